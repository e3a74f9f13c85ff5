# The Smarketing portal: one image for the web server (the default command), the Celery worker
# and Celery beat (docker-compose.yml gives each its own command).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 smarketing \
    && useradd --system --uid 10001 --gid smarketing --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin smarketing

WORKDIR /app

# The dependencies listed in pyproject.toml get a layer of their own, so that changing the code
# does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The whole source tree (see .dockerignore): manage.py, templates/ and static/ are not Python
# packages, and settings.py finds them next to itself.
COPY . .

# Every entry point (manage.py, gunicorn, celery) imports the packages from /app, whose
# BASE_DIR holds templates/, static/ and var/. Collected static files live outside var/ and belong to root: the portal only
# reads them. var/ is the one directory the portal writes to.
ENV PYTHONPATH=/app \
    SMARKETING_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    WEB_CONCURRENCY=3

# Throwaway values for this step only: with DEBUG off the settings insist on SECRET_KEY and
# ALLOWED_HOSTS. Neither ends up in the image; the real ones come from the environment at run time.
RUN mkdir -p var \
    && DEBUG=false SECRET_KEY=collectstatic-at-build-time-only-not-a-real-secret-key-0123456789 \
        ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && chown smarketing:smarketing var

USER 10001:10001

EXPOSE 8000

# The web server is alive when it answers HTTP at all. /healthz answers 503 while no Celery worker
# answers, and 301 when SECURE_SSL_REDIRECT is on: both mean the server is up. An OpenerDirector
# with nothing but the HTTP handler returns every response as it is (no HTTPError, no redirect
# followed); only a connection error or a time-out raises, and so fails the check.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; o = u.OpenerDirector(); o.add_handler(u.HTTPHandler()); o.open('http://127.0.0.1:8000/healthz', timeout=5).close()"]

# Gunicorn reads its number of workers from WEB_CONCURRENCY (3 unless set otherwise).
CMD ["gunicorn", "smarketing.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
