#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine. Never touches a machine that already has one.
# Idempotent: installs Debian's docker.io only when no dockerd exists, starts it only when the
# socket does not answer.
set -euo pipefail

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_answers; then
  echo "engine: already answering ($(docker version --format '{{.Server.Version}}'))"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
  echo "engine: DOCKER_HOST=$DOCKER_HOST does not answer; not starting a local engine for a remote host" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "engine: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io >/dev/null
fi
echo "engine: starting dockerd (log: /tmp/dockerd.log)"
# In its own session: dockerd installs its own SIGINT handler, so in the terminal's process group
# a Ctrl-C on the command that started it would stop the engine too.
setsid nohup dockerd >/tmp/dockerd.log 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if engine_answers; then
    echo "engine: up ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 0.5
done
echo "engine: dockerd did not answer within 30 s; see /tmp/dockerd.log" >&2
tail -20 /tmp/dockerd.log >&2
exit 1
