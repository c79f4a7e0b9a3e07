# The image that docker-compose.yml runs as web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PHT_DATA_DIR=/data

# WeasyPrint's libraries and fonts that cover names in every script (STACK-NOTES "Installing").
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core fonts-dejavu-extra fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji \
      postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/base.lock requirements/base.lock
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements/base.lock

COPY . .
RUN DEBUG=0 ALLOWED_HOSTS=build SECRET_KEY=build-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    PHT_DATA_DIR=/app/build-data python manage.py collectstatic --no-input -v 0 \
 && mv /app/build-data/staticfiles /app/staticfiles && rm -rf /app/build-data \
 && useradd --system --uid 1000 --home-dir /data pht && mkdir -p /data && chown pht /data

ENV STATIC_ROOT=/app/staticfiles
USER pht
EXPOSE 8000
CMD ["gunicorn", "pht_clinic.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--logger-class", "pht_clinic.gunicorn_logging.RedactingLogger"]
