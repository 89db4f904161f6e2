#!/bin/sh
# Every command runs inside the virtualenv, whatever PATH the caller passed.
set -e
. /appenv/bin/activate
exec "$@"
