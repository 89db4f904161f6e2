#!/usr/bin/env bash
# Build the offline wheel folder (a flat pip --find-links directory) the tests and CI install
# from: there is no PyPI on these machines. Debian bookworm's Python packages are fetched with
# apt inside a debian:bookworm-slim container and repacked into wheels by .ci/repack_debs.py;
# python3-{setuptools,wheel,pip}-whl ship real wheels that are copied. Packages with CPython
# extension modules (python3-psycopg2, python3-markupsafe) become cp311 binary wheels for
# bookworm's Python 3.11; psycopg2 links libpq, so whatever installs it needs Debian's libpq5 at
# run time (each wheel's DEBIAN-SOURCE file names the Debian packages it needs: libpq5, tzdata
# for pytz, ca-certificates for Debian's certifi).
#
# What is fetched: the packages below and, for `packages`, every python3-* package in their
# Depends closure (apt-cache depends --recurse, all alternatives, so a superset); repack_debs.py
# then keeps the closure the Depends really need on bookworm's python3 and derives each wheel's
# Requires-Dist from them. .ci/check_pyindex.sh installs everything in a clean container and
# imports it.
#
# Output: .cache/pyindex/ (override with PYINDEX_DIR), `.complete` written last with the recipe
# hash (sha256 of this script and repack_debs.py). Idempotent: a complete folder made by the same
# recipe is left alone. Host needs: bash, docker, dpkg-deb (or ar + tar), python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
dest=${PYINDEX_DIR:-$repo/.cache/pyindex}
case $dest in /*) ;; *) dest=$PWD/$dest ;; esac
dest=${dest%/}
show=${dest#"$repo"/}                  # repo-relative for messages when inside the repo
image=${PYINDEX_IMAGE:-debian:bookworm-slim}
label=pypackage-tasks.project=ci
# What the project shapes ask for (Django, Flask, FastAPI/Starlette/uvicorn, the build backends,
# pytest). Their dependencies come automatically; the ones named anyway are imported directly
# by apps or are only Recommends of their framework (blinker for Flask, libjs-jquery for
# Django's admin, whose jQuery is a symlink into it).
packages=(
  python3-django python3-asgiref python3-sqlparse python3-tz python3-gunicorn
  python3-whitenoise python3-dj-database-url python3-psycopg2 libjs-jquery
  python3-pytest python3-pytest-django python3-pluggy python3-iniconfig python3-packaging
  python3-attr
  python3-flask python3-werkzeug python3-jinja2 python3-markupsafe python3-itsdangerous
  python3-click python3-blinker
  python3-uvicorn python3-h11 python3-starlette python3-anyio python3-sniffio python3-idna
  python3-fastapi python3-pydantic python3-typing-extensions python3-httpx
  python3-hatchling python3-pathspec python3-poetry-core
  python3-setuptools-whl python3-wheel-whl python3-pip-whl
)
# Fetched without their dependencies: flit for the flit_core it also ships (repack_debs.py
# skips the flit CLI itself, see SKIP_DISTS there).
alone=(flit)

recipe=$(cat "$here/pyindex.sh" "$here/repack_debs.py" | sha256sum | cut -d' ' -f1)
# Complete = .complete names this recipe, and every wheel it lists is still there.
complete() {
  [ -f "$dest/.complete" ] && [ "$(head -n1 "$dest/.complete")" = "recipe $recipe" ] || return 1
  local whl
  while read -r whl; do
    [ -f "$dest/$whl" ] || return 1
  done < <(grep '\.whl$' "$dest/.complete")
}
if complete; then
  echo "pyindex: present"
  exit 0
fi

start=$SECONDS
mkdir -p "$(dirname "$dest")"
# One builder at a time per folder (parallel CI jobs on one machine).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$dest.lock"
  flock 9
  if complete; then
    echo "pyindex: present (built by a concurrent run)"
    exit 0
  fi
fi

command -v docker >/dev/null || { echo "pyindex: docker CLI not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "pyindex: python3 not found" >&2; exit 1; }
docker image inspect "$image" >/dev/null 2>&1 ||
  { echo "pyindex: image $image not on the engine (run .ci/os-image.sh)" >&2; exit 1; }

# Work next to the destination (same file system, so the final mv is a rename).
work=$(mktemp -d "$(dirname "$dest")/.pyindex-build.XXXXXX")
name=pyindex-$$-$RANDOM
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$work/debs" "$work/x" "$work/out"

# 1. Download the packages and the python3-* part of their closure, less what repack_debs.py
#    takes from elsewhere (the interpreter's own packages, python3-setuptools -> its -whl);
#    /meta gets the list asked for and bookworm's python3 version (it decides alternatives such
#    as `python3-tomli | python3 (>> 3.11)`). The container runs as root; hand the files back.
elsewhere=$(python3 "$here/repack_debs.py" --provided-elsewhere)
echo "pyindex: downloading ${#packages[@]} Debian packages and their Python dependencies in $image"
t=$SECONDS
mkdir "$work/meta"
docker run --rm --name "$name" --label "$label" \
  -v "$work/debs:/debs" -v "$work/meta:/meta" -w /debs -e "ELSEWHERE=$elsewhere" \
  -e "ALONE=${alone[*]}" "$image" \
  bash -euc 'apt-get update -qq >/dev/null
             closure=$(apt-cache depends --recurse --no-recommends --no-suggests \
                         --no-conflicts --no-breaks --no-replaces --no-enhances "$@" |
                       grep -E "^python3-" | grep -Evx "$ELSEWHERE" || true)
             printf "%s\n" "$@" $ALONE $closure | LC_ALL=C sort -u >/meta/list
             apt-cache show --no-all-versions python3 | sed -n "s/^Version: //p" >/meta/python3
             apt-get download -qq -o APT::Sandbox::User=root $(cat /meta/list) >/dev/null
             chown -R "'"$(id -u):$(id -g)"'" /debs /meta' \
  bash "${packages[@]}" ||
  { echo "pyindex: apt-get download failed (is the Debian archive reachable?)" >&2; exit 1; }
python_version=$(cat "$work/meta/python3")
[ -n "$python_version" ] || { echo "pyindex: no python3 version from apt-cache" >&2; exit 1; }
count=$(find "$work/debs" -maxdepth 1 -name '*.deb' | wc -l)
echo "pyindex: downloaded $count .debs ($((SECONDS - t))s)"

# 2. Extract each package into its own folder, named <package>_<version>, with its control
#    file in DEBIAN/control (repack_debs.py reads a binary package's Depends from it).
t=$SECONDS
untar() { # deb member dir
  ar p "$1" "$2" | tar -x -C "$3" -f - \
    $(case $2 in *.xz) echo -J ;; *.gz) echo -z ;; *.zst) echo --zstd ;; esac)
}
for deb in "$work"/debs/*.deb; do
  if command -v dpkg-deb >/dev/null 2>&1; then
    dir=$work/x/$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Version)
    mkdir "$dir"
    dpkg-deb -x "$deb" "$dir"
    mkdir "$dir/DEBIAN"
    dpkg-deb -f "$deb" >"$dir/DEBIAN/control"
  else
    base=$(basename "$deb" .deb)
    dir=$work/x/${base%_*}
    dir=${dir//%3a/:}
    mkdir "$dir" "$dir/DEBIAN"
    untar "$deb" "$(ar t "$deb" | grep '^data\.tar')" "$dir"
    untar "$deb" "$(ar t "$deb" | grep '^control\.tar')" "$dir/DEBIAN"
  fi
done
# Complete download: exactly one package per name asked for.
if ! diff <(ls -1 "$work/x" | sed 's/_.*//' | LC_ALL=C sort) "$work/meta/list" >"$work/meta/diff"; then
  echo "pyindex: the downloaded packages differ from the list asked for (< got, > asked):" >&2
  grep '^[<>]' "$work/meta/diff" >&2
  exit 1
fi
echo "pyindex: extracted $count packages ($((SECONDS - t))s)"

# 3. Repack into wheels, copy the shipped ones.
t=$SECONDS
summary=$(python3 "$here/repack_debs.py" --python "$python_version" "$work/x" "$work/out" \
  "${packages[@]}" "${alone[@]}")
wheels=$(find "$work/out" -maxdepth 1 -name '*.whl' | wc -l)
echo "pyindex: $summary ($((SECONDS - t))s)"

# 4. Move into place, then mark complete.
if [ -e "$dest" ]; then
  mv "$dest" "$work/old"
fi
mv "$work/out" "$dest"
{
  echo "recipe $recipe"
  echo "image $image $(docker image inspect -f '{{.Id}}' "$image")"
  (cd "$dest" && ls -1 -- *.whl)
} >"$dest/.complete.tmp"
mv "$dest/.complete.tmp" "$dest/.complete"
echo "pyindex: $wheels wheels in $show ($((SECONDS - start))s)"
