#!/usr/bin/env bash
# Baseline (b): one multi-stage Dockerfile, one `docker build`.
# Usage: multistage.sh PROJECT_DIR NAMESPACE OS_IMAGE legacy|buildkit
set -euo pipefail
dir=$1 ns=$2 os=$3 mode=$4
cd "$dir"
if [ "$mode" = buildkit ]; then
  # The 28.x CLI needs buildx for BuildKit; Debian's 20.10 client (/usr/bin/docker) does not.
  DOCKER_BUILDKIT=1 /usr/bin/docker build -q --label pypackage-tasks.project=bench --build-arg OS_IMAGE="$os" \
    -f multistage.Dockerfile -t "$ns/pollsite-release" . >/dev/null
else
  DOCKER_BUILDKIT=0 docker build -q --label pypackage-tasks.project=bench --build-arg OS_IMAGE="$os" \
    -f multistage.Dockerfile -t "$ns/pollsite-release" . >/dev/null 2>&1
fi
