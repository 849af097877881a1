# The portal's image: web (gunicorn), worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

COPY pyproject.toml README.md ./
COPY config ./config
COPY harp ./harp
RUN pip install --no-cache-dir .

COPY . .
RUN DJANGO_DEBUG=0 SECRET_KEY=collectstatic-only SSN_FINGERPRINT_KEY=collectstatic-only PROOFING_ALLOW_STUB=1 ALLOW_CONSOLE_DELIVERY=1 FIELD_ENCRYPTION_KEY=Zv6PSFkIm5Y04aaJJJYjpfxxo4Fv5_SCTVRim6KKicY= python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home /app hub \
    && mkdir -p /app/media && chown hub /app/media

USER hub
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
