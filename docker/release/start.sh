#!/bin/sh
# Bring the database schema up to date, then serve with gunicorn (static files via WhiteNoise).
set -e
if [ -n "${DJANGO_SETTINGS_MODULE:-}" ]; then
  python -m django migrate --noinput -v 0
fi
exec gunicorn --bind "0.0.0.0:${PORT}" --workers "${WEB_CONCURRENCY:-2}" --access-logfile - "$WSGI_APP"
