#!/usr/bin/env bash
# Prepare what this machine lacks, and only that: a Docker engine (only when none answers), the
# OS base images debian:bookworm-slim and debian:trixie-slim (only when the engine lacks them),
# the offline Python indexes .cache/pyindex (3.11) and .cache/pyindex-3.13 (only when missing),
# Debian's docker-registry for the publish tests (only when missing).
# Safe to run again: each step is a no-op when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d dist ] || npm ci --no-audit --no-fund
bash .ci/engine.sh
# Per release, its image then its index; the two releases side by side (.ci/each-suite.sh).
bash .ci/each-suite.sh bash -c 'bash .ci/os-image.sh && bash .ci/pyindex.sh'
# The publish tests push to a real registry: Debian's, served on 127.0.0.1 by the tests themselves.
if ! command -v docker-registry >/dev/null 2>&1; then
  echo "registry: installing Debian's docker-registry (for the tests)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null; }
fi
