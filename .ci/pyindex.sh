#!/usr/bin/env bash
# Build the offline wheel folder (a flat pip --find-links directory) the tests and CI install
# from: there is no PyPI on these machines. One Debian release's Python packages are fetched with
# apt inside its debian:<suite>-slim container and repacked into wheels by .ci/repack_debs.py;
# python3-{setuptools,wheel,pip}-whl ship real wheels that are copied. Packages with CPython
# extension modules (python3-psycopg2, python3-markupsafe, trixie's python3-pydantic-core) become
# binary wheels for that release's Python (cp311 / cp313, linux_x86_64 here); psycopg2 links
# libpq, so whatever installs it needs Debian's libpq5 at run time (each wheel's DEBIAN-SOURCE
# file names the Debian packages it needs: libpq5, tzdata for pytz, ca-certificates for Debian's
# certifi).
#
# Which release: PYINDEX_SUITE (make its image first: OS_IMAGE=debian:<suite>-slim .ci/os-image.sh)
#   bookworm (default)  Python 3.11  debian:bookworm-slim  -> .cache/pyindex/
#   trixie              Python 3.13  debian:trixie-slim    -> .cache/pyindex-3.13/
# The package list below is the same for both: trixie lacks none of them (pytz is python3-pytz
# there; its python3-tz is an empty transitional package). What differs is the versions
# (bookworm -> trixie, measured 2026-11-30): Django 3.2.25 -> 4.2.28, gunicorn 20.1.0 ->
# 23.0.0, whitenoise 6.0.0 -> 6.8.2, psycopg2 2.9.5 -> 2.9.10, Flask 2.2.2 -> 3.1.1, Werkzeug
# 2.2.2 -> 3.1.3, MarkupSafe 2.1.2 -> 2.1.5, pytest 7.2.1 -> 8.3.5, pytest-django 4.5.2 (both),
# uvicorn 0.17.6 -> 0.32.0, starlette 0.26.1 -> 0.46.1, FastAPI 0.92.0 -> 0.115.11, pydantic
# 1.10.4 -> 2.10.6 (+ the compiled pydantic-core), httpx 0.23.3 -> 0.28.1, setuptools 66.1.1 ->
# 78.1.1, wheel 0.38.4 -> 0.46.1, pip 23.0.1 -> 25.1.1, flit_core 3.8.0 -> 3.12.0, hatchling
# 1.12.2 -> 1.27.0, poetry-core 1.4.0 -> 2.1.2; and the dependencies they bring: trixie's Django
# no longer needs pytz, gunicorn needs packaging instead of setuptools, pytest no longer attrs;
# new are pydantic-core (compiled), email-validator + dnspython (Debian's pydantic Depends),
# uvloop (compiled, needs libuv1t64; Debian's uvicorn Depends), trove-classifiers (hatchling),
# and packaging is Debian's own wheel (python3-packaging-whl, which wheel's -whl needs).
#
# What is fetched: the packages below and, for `packages`, every python3-* package in their
# Depends closure (apt-cache depends --recurse, all alternatives, so a superset); repack_debs.py
# then keeps the closure the Depends really need on the suite's python3 and derives each wheel's
# Requires-Dist from them. .ci/check_pyindex.sh installs everything in a clean container and
# imports it.
#
# Usage: pyindex.sh         build the folder unless it is complete
#        pyindex.sh --dir   print the folder's path
# Output: the folder above (override with PYINDEX_DIR; PYINDEX_IMAGE overrides the image),
# `.complete` written last with the recipe (sha256 of the suite, this script and repack_debs.py).
# Idempotent: a complete folder made by the same recipe is left alone. Host needs: bash, docker,
# dpkg-deb (or ar + tar), python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
suite=${PYINDEX_SUITE:-bookworm}
case $suite in
  bookworm) python=3.11 folder=pyindex pytz=python3-tz ;;
  trixie) python=3.13 folder=pyindex-3.13 pytz=python3-pytz ;;
  *) echo "pyindex: PYINDEX_SUITE=$suite: expected bookworm (Python 3.11) or trixie (Python 3.13)" >&2
     exit 1 ;;
esac
dest=${PYINDEX_DIR:-$repo/.cache/$folder}
case $dest in /*) ;; *) dest=$PWD/$dest ;; esac
dest=${dest%/}
show=${dest#"$repo"/}                  # repo-relative for messages when inside the repo
if [ "${1:-}" = --dir ]; then           # where the folder is (check_pyindex.sh asks)
  echo "$dest"
  exit 0
fi
image=${PYINDEX_IMAGE:-debian:$suite-slim}
label=pypackage-tasks.project=ci
# What the project shapes ask for (Django, Flask, FastAPI/Starlette/uvicorn, the build backends,
# pytest). Their dependencies come automatically; the ones named anyway are imported directly
# by apps or are only Recommends of their framework (blinker for Flask, libjs-jquery for
# Django's admin, whose jQuery is a symlink into it).
packages=(
  python3-django python3-asgiref python3-sqlparse "$pytz" python3-gunicorn
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

recipe=$({ echo "suite $suite"; cat "$here/pyindex.sh" "$here/repack_debs.py"; } | sha256sum | cut -d' ' -f1)
# Earlier recipes whose folder is byte for byte the one this recipe makes, checked by building
# both and comparing (`diff -r`): a folder they completed is complete too, so a change that
# leaves the output alone does not rebuild a folder other checkouts share. Empty the list when
# a change alters that suite's output. bookworm: the recipe before trixie was added.
case $suite in
  bookworm) same_output=(ea8e63063a53ea0e29588b40be1878ec37c8f52a2b34391eec81ac3b1d3143c5) ;;
  *) same_output=() ;;
esac
# Complete = .complete names this recipe (or one of the same output), and every wheel it lists
# is still there.
complete() {
  [ -f "$dest/.complete" ] || return 1
  local made r whl known=
  made=$(head -n1 "$dest/.complete")
  for r in "$recipe" "${same_output[@]}"; do
    [ "$made" != "recipe $r" ] || known=1
  done
  [ -n "$known" ] || return 1
  while read -r whl; do
    [ -f "$dest/$whl" ] || return 1
  done < <(grep '\.whl$' "$dest/.complete")
}
if complete; then
  echo "pyindex: $show present ($suite)"
  exit 0
fi

start=$SECONDS
mkdir -p "$(dirname "$dest")"
# One builder at a time per folder (parallel CI jobs on one machine).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$dest.lock"
  flock 9
  if complete; then
    echo "pyindex: $show present ($suite, built by a concurrent run)"
    exit 0
  fi
fi

command -v docker >/dev/null || { echo "pyindex: docker CLI not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "pyindex: python3 not found" >&2; exit 1; }
docker image inspect "$image" >/dev/null 2>&1 ||
  { echo "pyindex: image $image not on the engine (run OS_IMAGE=$image bash .ci/os-image.sh)" >&2; exit 1; }

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
#    /meta gets the list asked for and the suite's python3 version (it decides alternatives
#    such as `python3-tomli | python3 (>> 3.11)`). The container runs as root; hand the files back.
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
case $python_version in
  $python.*) ;;
  *) echo "pyindex: $image has python3 '$python_version', $suite should have $python" >&2; exit 1 ;;
esac
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
echo "pyindex: $wheels wheels for $suite (Python $python) in $show ($((SECONDS - start))s)"
