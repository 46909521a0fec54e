# One image for web, workers and the sandbox; the command (docker-compose.yml) picks the role.
# Three stages: the front-end bundle, Python wheels built with compilers, and a slim runtime
# that has neither node nor compilers and runs as an unprivileged user.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static ./static
COPY certificates/jsonld ./certificates/jsonld
RUN npm run --silent build

FROM python:3.11-slim-bookworm AS python-build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libseccomp-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements.txt constraints.txt ./
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt -c constraints.txt

FROM python:3.11-slim-bookworm AS run
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false STATIC_MANIFEST=true \
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MPLBACKEND=Agg
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap libseccomp2 util-linux fonts-dejavu-core fonts-noto-core fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 glassbook \
    && useradd --system --uid 10001 --gid glassbook --home-dir /app --shell /usr/sbin/nologin glassbook
COPY --from=python-build /wheels /wheels
COPY requirements.txt constraints.txt /tmp/
RUN pip install --no-cache-dir --no-index --find-links=/wheels -r /tmp/requirements.txt -c /tmp/constraints.txt \
    && rm -rf /wheels /tmp/requirements.txt /tmp/constraints.txt
WORKDIR /app
COPY --chown=glassbook:glassbook . .
COPY --from=assets --chown=glassbook:glassbook /app/static/dist ./static/dist
RUN python -c "from pygments.formatters import HtmlFormatter; print(HtmlFormatter(style='friendly').get_style_defs('.prose pre code'))" > static/dist/pygments.css \
    && SECRET_KEY=build-only GLASSBOOK_VAR_DIR=/tmp/build-var python manage.py collectstatic --noinput -v 0 \
    && rm -rf /tmp/build-var \
    && mkdir -p /data/media /app/var && chown glassbook:glassbook /data/media /app/var
# The sandbox service alone runs as root (docker-compose.yml), to give each run its own uid.
USER glassbook
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=5)"]
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4"]
