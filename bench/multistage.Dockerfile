# Baseline (b): the same images as one multi-stage Dockerfile (base → builder → wheels → release),
# built with one `docker build`. Context: a project copy holding example/, docker/ and pyindex/.
ARG OS_IMAGE=debian:bookworm-slim
FROM ${OS_IMAGE} AS base
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv tzdata libpq5 \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /appenv
ENV VIRTUAL_ENV=/appenv PATH=/appenv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY docker/base/entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
CMD ["python"]

FROM base AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential python3-dev python3-wheel-whl \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-index /usr/share/python-wheels/wheel-*.whl
WORKDIR /application

# Wheels: the C extension first (it changes rarely), then the app, then the dependencies.
FROM builder AS wheels
ENV PIP_NO_INDEX=1 PIP_FIND_LINKS=/find-links SOURCE_DATE_EPOCH=315532800
COPY pyindex/ /find-links/
COPY example/speedups/ /src/speedups/
RUN pip wheel -q --no-deps --no-build-isolation -w /wheels/app /src/speedups
COPY example/ /src/app/
RUN pip wheel -q --no-deps --no-build-isolation -w /wheels/app /src/app \
 && pip wheel -q -w /wheels/all --find-links /wheels/app /wheels/app/*.whl \
 && mkdir -p /wheels/deps && for w in /wheels/all/*.whl; do [ -e "/wheels/app/${w##*/}" ] || cp "$w" /wheels/deps/; done

FROM base AS release
ARG WSGI_APP=pollsite.wsgi:application
ARG DJANGO_SETTINGS_MODULE=pollsite.settings
ARG APP_PORT=8000
ENV PIP_NO_INDEX=1
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home app \
 && mkdir /app/data && chown app:app /app/data
WORKDIR /app
ENV DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE} DJANGO_DATA_DIR=/app/data DJANGO_STATIC_ROOT=/app/static WSGI_APP=${WSGI_APP} PORT=${APP_PORT}
COPY docker/release/start.sh docker/release/healthcheck.py docker/release/manifest.py docker/release/install_wheels.py /
COPY --from=wheels /wheels/deps/ /tmp/wheels/deps/
RUN pip install --no-index --no-deps /tmp/wheels/deps/*.whl \
 && python /manifest.py /tmp/wheels/deps /app/pypackage-manifest.json && rm -rf /tmp/wheels
COPY --from=wheels /wheels/app/ /tmp/wheels/app/
RUN set -e; python /install_wheels.py /tmp/wheels/app/*.whl; \
    pip check & check=$!; \
    python /manifest.py /tmp/wheels/app /app/pypackage-manifest.json & manifest=$!; \
    if [ -n "$DJANGO_SETTINGS_MODULE" ]; then python -m django collectstatic --noinput -v 0; fi; \
    wait $check; wait $manifest; rm -rf /tmp/wheels
USER app
EXPOSE ${APP_PORT}
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/appenv/bin/python", "/healthcheck.py"]
CMD ["/start.sh"]
