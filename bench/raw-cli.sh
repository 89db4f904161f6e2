#!/usr/bin/env bash
# Baseline (a): the raw docker CLI workflow, as a competent engineer would script it, with the
# same Dockerfiles as the tool: build base, build builder, `docker run` the builder (skipped,
# make-style, when the sources and the builder are unchanged), build release.
# Usage: raw-cli.sh PROJECT_DIR NAMESPACE OS_IMAGE
set -euo pipefail
dir=$1 ns=$2 os=$3
cd "$dir"
prefix=$ns/pollsite
label=--label=pypackage-tasks.project=bench
docker build -q $label --build-arg OS_IMAGE="$os" -t "$prefix-base" docker/base >/dev/null
docker build -q $label --build-arg IMAGE_PREFIX="$prefix" -t "$prefix-builder" docker/builder >/dev/null

# make-style: the wheels depend on every source file and on the builder image.
stamp="$(find example -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64) $(docker image inspect -f '{{.Id}}' "$prefix-builder")"
if [ "$(cat wheelhouse/.stamp 2>/dev/null)" != "$stamp" ]; then
  rm -rf wheelhouse && mkdir -p wheelhouse
  docker run --rm --label pypackage-tasks.project=bench \
    -v "$PWD/example:/application:ro" -v "$PWD/pyindex:/find-links:ro" -v "$PWD/wheelhouse:/wheelhouse" \
    -e PIP_NO_INDEX=1 -e PIP_FIND_LINKS=/find-links -e SOURCE_DATE_EPOCH=315532800 \
    "$prefix-builder" sh -ec 'cp -a /application /tmp/app && pip wheel -q --no-build-isolation -w /wheelhouse /tmp/app /tmp/app/speedups'
  echo "$stamp" >wheelhouse/.stamp
fi

# The release context: the release folder plus the wheels, ours apart from the dependencies.
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp -a docker/release/. "$ctx/"
mkdir -p "$ctx/wheels/deps" "$ctx/wheels/app"
for w in wheelhouse/*.whl; do
  case $(basename "$w") in pollsite-* | speedups-*) cp "$w" "$ctx/wheels/app/" ;; *) cp "$w" "$ctx/wheels/deps/" ;; esac
done
docker build -q $label --build-arg IMAGE_PREFIX="$prefix" --build-arg WSGI_APP=pollsite.wsgi:application \
  --build-arg DJANGO_SETTINGS_MODULE=pollsite.settings -t "$prefix-release" "$ctx" >/dev/null
