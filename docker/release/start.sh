#!/bin/sh
# The container serves the app, nothing else. The release phase (migrations) runs where the user
# asks for it: `bootstrap`, or here, before the server, when RELEASE_ON_START is set ("release.
# releaseOnStart": single-container apps with an embedded sqlite database).
set -e
# An application the tool packed: its files are where its source folder was (relative paths work).
if [ -d /app/code ]; then cd /app/code; fi
if [ -n "${RELEASE_ON_START:-}" ] && [ -n "${RELEASE_COMMAND:-}" ]; then
  sh -c "$RELEASE_COMMAND"
fi
case "${APP_SERVE:-wsgi}" in
  # A Procfile web: line, as Heroku runs it ($PORT set; gunicorn binds 0.0.0.0:$PORT by itself).
  # For a Django app whose command names its app (gunicorn/uvicorn module:callable), the tool ran
  # APP_COMMAND: the same command with pypackage_serve in the app's place, loading APP_CALLABLE.
  command)
    if [ -n "${APP_CALLABLE:-}" ] && [ -n "${APP_COMMAND:-}" ]; then
      export PYTHONPATH="/usr/local/lib/pypackage${PYTHONPATH:+:$PYTHONPATH}"
      exec sh -c "$APP_COMMAND"
    fi
    exec sh -c "$APP_TARGET" ;;
  asgi) exec gunicorn --bind "0.0.0.0:${PORT}" --workers "${WEB_CONCURRENCY:-2}" --worker-class uvicorn.workers.UvicornWorker \
          --access-logfile - --pythonpath /usr/local/lib/pypackage pypackage_serve:asgi ;;
  # pypackage_serve loads APP_TARGET (factories too) and serves a Django app's static files.
  *) exec gunicorn --bind "0.0.0.0:${PORT}" --workers "${WEB_CONCURRENCY:-2}" --access-logfile - \
          --pythonpath /usr/local/lib/pypackage pypackage_serve:wsgi ;;
esac
