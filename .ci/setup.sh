#!/usr/bin/env bash
# Prepare what this machine lacks, and only that: a Docker engine (only when none answers), the
# OS base image (only when the engine lacks it), the offline Python index (only when missing).
# Safe to run again: each step is a no-op when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] && [ -d dist ] || npm ci --no-audit --no-fund
bash .ci/engine.sh
bash .ci/os-image.sh
bash .ci/pyindex.sh
