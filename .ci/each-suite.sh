#!/usr/bin/env bash
# Run a command once per Debian release CI prepares, all at the same time, each with
# PYINDEX_SUITE and OS_IMAGE set for its release and its output lines prefixed with it:
#   bookworm  Python 3.11  debian:bookworm-slim  .cache/pyindex
#   trixie    Python 3.13  debian:trixie-slim    .cache/pyindex-3.13
# Waits for all, then fails when any failed. The runs share nothing (own image, own folder),
# and on 2 cores running them side by side still wins: much of each is waiting on the archive.
#   each-suite.sh bash .ci/check_pyindex.sh
#   SUITES=bookworm each-suite.sh …
set -euo pipefail
# Each release's own folder and image: one override for both would make them collide.
unset PYINDEX_DIR PYINDEX_IMAGE
# SUITES narrows it (npm start needs only bookworm, the example's release).
read -r -a suites <<<"${SUITES:-bookworm trixie}"
pids=()
for suite in "${suites[@]}"; do
  (PYINDEX_SUITE=$suite OS_IMAGE=debian:$suite-slim "$@" 2>&1 | sed -u "s/^/[$suite] /") &
  pids+=($!)
done
failed=()
for i in "${!suites[@]}"; do
  wait "${pids[$i]}" || failed+=("${suites[$i]}")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "each-suite: failed for ${failed[*]}: $*" >&2
  exit 1
fi
