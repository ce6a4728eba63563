# Production image: gunicorn serving config.wsgi, static files by WhiteNoise. The same image runs the
# Celery worker and beat (see docker-compose.yml). Configuration comes only from the environment.
FROM python:3.12-slim

# gunicorn takes its worker count from WEB_CONCURRENCY: about 2 x cores + 1 (each has 2 threads).
# PYTHONPATH lets gunicorn and celery import `config` from /app whatever their working directory.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3

# Pango and HarfBuzz for WeasyPrint's PDFs, DejaVu for Cyrillic glyphs, gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home school

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Settings refuse to load in production without these; they exist only for this build step.
RUN APP_ENV=production \
    DJANGO_SECRET_KEY=build-only-not-a-real-secret-build-only-not-a-real-secret-0123456789 \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    APP_VAR_DIR=/tmp/build-var \
    sh -c 'python manage.py collectstatic --noinput \
        && if [ -d locale ]; then python manage.py compilemessages; fi' \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var /srv/media /srv/beat \
    && chown -R school:school /app/var /srv/media /srv/beat

USER school
EXPOSE 8000

CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--threads", "2", "--timeout", "60", \
     "--max-requests", "1000", "--max-requests-jitter", "100", "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-"]
