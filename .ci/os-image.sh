#!/usr/bin/env bash
# Make the OS image every FROM chain starts at (debian:bookworm-slim) when the engine lacks it.
# There is no registry here: try a pull (cheap to fail), else debootstrap from the Debian archive
# apt already uses and `docker import` the tree, trimmed the way the official -slim image is.
#
# OS_IMAGE=debian:<suite>-slim picks another Debian release, the suite read from the tag:
# debian:bookworm-slim (Python 3.11, the default) or debian:trixie-slim (Python 3.13).
set -euo pipefail
IMAGE=${OS_IMAGE:-debian:bookworm-slim}

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "os-image: $IMAGE present"
  exit 0
fi
if timeout 20 docker pull -q "$IMAGE" >/dev/null 2>&1; then
  echo "os-image: pulled $IMAGE"
  exit 0
fi
case $IMAGE in
  debian:*-slim) suite=${IMAGE#debian:} suite=${suite%-slim} ;;
  *) echo "os-image: OS_IMAGE=$IMAGE: expected debian:<suite>-slim (debian:bookworm-slim, debian:trixie-slim)" >&2
     exit 1 ;;
esac
command -v debootstrap >/dev/null 2>&1 || {
  echo "os-image: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
}
# The archive apt already uses on this machine (no other mirror is reachable).
mirror=$(grep -rhoE '^URIs: *http[^ ]*debian/?$' /etc/apt/sources.list.d/ 2>/dev/null | head -1 | sed 's/^URIs: *//')
[ -n "$mirror" ] || mirror=$(grep -rhoE '^deb +http[^ ]*debian/? ' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 | awk '{print $2}')
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /tmp/os-image.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "os-image: debootstrap $suite from $mirror"
# dpkg path-excludes as in the official -slim image: no docs, man pages or locales (~75 MB).
mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
CFG
log=/tmp/os-image-debootstrap-$suite.log
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$log" 2>&1 ||
  { tail -20 "$log" >&2; exit 1; }
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/usr/share/man/* \
  "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/usr/share/lintian/*
find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete 2>/dev/null || true
# Containers reach the same archive through apt: keep the host's sources so RUN apt-get works.
tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$IMAGE" >/dev/null
echo "os-image: imported $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}'))"
