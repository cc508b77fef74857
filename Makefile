# Patroli: two commands on a fresh machine, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
FLASK := $(BIN)/flask --app patrol

.PHONY: run test test-sqlite test-postgresql lint format translations extract-messages bench scale-test report-scale report-history partition-test forecast-eval deploy-test clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

# Compiled catalogues are build output, not committed.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy --statistics -d patrol/translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -w 100 -o patrol/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -w 100 -i patrol/translations/messages.pot -d patrol/translations

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(VENV)/.installed-dev translations lint test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgresql; \
	else echo "TEST_DATABASE_URL is not set: the PostgreSQL pass was not run."; \
	  if [ "$$CI" = "true" ]; then echo "CI needs TEST_DATABASE_URL"; exit 1; fi; fi

test-sqlite: $(VENV)/.installed-dev translations
	$(BIN)/pytest --db=sqlite $(PYTEST_ARGS)

test-postgresql: $(VENV)/.installed-dev translations
	$(BIN)/pytest --db=postgresql $(PYTEST_ARGS)

# Patroli against its minimal twin under gunicorn + wrk; writes docs/benchmarks.md.
# BENCH_DATABASE_URL adds a PostgreSQL pass; BENCH_SECONDS, BENCH_ROUNDS, ... in bench/run.py.
bench: $(VENV)/.installed-dev translations
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/pip install --quiet pyinstrument==5.1.3
	$(BIN)/python bench/run.py

# Two gunicorn instances on one PostgreSQL and one Redis (docs/deploy.md); CI runs it.
scale-test: $(VENV)/.installed-dev translations
	$(BIN)/python bench/scale_out_test.py

# deploy/ as production runs it (docs/deploy.md): the units through systemd-analyze verify,
# the nginx site through nginx -t, then two instances as patroli.service runs them behind
# nginx, over PostgreSQL (DEPLOY_DATABASE_URL or TEST_DATABASE_URL) and Redis
# (DEPLOY_REDIS_URL, default db 8). As root; missing tools are installed from Debian, with
# policy-rc.d keeping the nginx package from starting a server of its own. CI runs it.
DEPLOY_TOOLS := nginx:nginx systemd-analyze:systemd rsync:rsync curl:curl openssl:openssl
deploy-test: $(VENV)/.installed-dev $(VENV)/service/.installed translations
	@missing=""; for pair in $(DEPLOY_TOOLS); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq; guard=""; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then guard=1; \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; status=$$?; \
	  if [ -n "$$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi; [ $$status = 0 ]; fi
	$(BIN)/python deploy/test_deploy.py

# The service's own virtualenv for deploy-test, made as docs/deploy.md makes
# /srv/patroli/.venv: from Debian's python3 (the service user cannot reach one under /root).
$(VENV)/service/.installed: pyproject.toml
	/usr/bin/python3 -m venv $(VENV)/service
	$(VENV)/service/bin/pip install --quiet -e .
	touch $@

# Report pages over a year of load data (SCALE=1: 1 000 000 check-ins) against 1/1000 of it.
report-scale: $(VENV)/.installed
	$(BIN)/python scripts/report_scale.py $(or $(SCALE),1.0)

# The same pages over a year against its last 91 days alone, at the same density (<= x1.5).
report-history: $(VENV)/.installed
	$(BIN)/python scripts/report_scale.py $(or $(SCALE),1.0) --history

# The busy-hour forecast against the naive hourly average on held-out weeks of load data.
forecast-eval: $(VENV)/.installed
	$(BIN)/python bench/forecast_eval.py $(or $(SCALE),0.05)

# Migration 0012 (check-ins partitioned by month) on seed-load data (SCALE=0.1: 100 000
# check-ins), timed and checked, then downgraded; needs DATABASE_URL or TEST_DATABASE_URL.
partition-test: $(VENV)/.installed
	$(BIN)/python bench/partition_test.py $(or $(SCALE),0.1)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
