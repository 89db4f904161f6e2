#!/bin/sh
# First start on an empty volume: create the cluster, the app's user and database (from
# POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), password auth from the network. Then run postgres.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user=${POSTGRES_USER:-app} db=${POSTGRES_DB:-app}
  pw=$(mktemp) && printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
  initdb --username=postgres --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
  rm -f "$pw"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  psql -v ON_ERROR_STOP=1 -q --username postgres --dbname postgres \
    -v user="$user" -v db="$db" -v pw="$POSTGRES_PASSWORD" <<'SQL'
CREATE USER :"user" WITH PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"user";
SQL
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec "$@"
