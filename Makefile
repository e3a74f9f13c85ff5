# Smarketing: `make run` for the demo, `make test` for the whole suite. See README.md.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
QUEUES := default,scoring,sla,reports,imports

# The suite runs on the local PostgreSQL and Redis unless these are set.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/smarketing
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test install install-dev worker beat lint format vendor clean bench bench-stop

# make run PORT=8123 serves on that port; without PORT, on 8000 or a free one if that is taken.
run: $(VENV)/.installed
	$(PY) manage.py run_demo $(if $(PORT),--port $(PORT))

test: $(VENV)/.installed-dev
	@bash scripts/ensure_chromium.sh
	@DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(PY) scripts/check_services.py
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(PY) manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(PY) -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(UV): $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(PY) -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(PY) -e ".[dev]"
	@touch $@ $(VENV)/.installed

# A worker and the scheduler, for running on PostgreSQL + Redis (DATABASE_URL and
# CELERY_BROKER_URL set in the environment or in .env).
worker: $(VENV)/.installed
	$(PY) -m celery -A smarketing worker -Q $(QUEUES) -c 2 --loglevel INFO

beat: $(VENV)/.installed
	$(PY) -m celery -A smarketing beat --loglevel INFO

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Page and import benchmarks at 10k and 1M leads in the benchmark's own PostgreSQL server
# (var/bench-pg on port 5439, left running; make bench-stop stops it), or on the server of
# BENCH_SERVER_URL; a quick run: make bench BENCH_SCALES=10000. Figures: bench/results/.
# Pages are measured as production serves them: DEBUG off, static files collected.
BENCH_ENV = DJANGO_SETTINGS_MODULE=smarketing.settings DEBUG=false ALLOWED_HOSTS=testserver \
	SECRET_KEY=benchmark-only-$(shell $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))') \
	SECURE_SSL_REDIRECT=false STATIC_ROOT=var/bench-static

bench: $(VENV)/.installed
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(BENCH_ENV) $(PY) -m bench

bench-stop: $(VENV)/.installed
	$(PY) -m bench.cluster stop

vendor: $(VENV)/.installed
	$(PY) scripts/vendor_static.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
