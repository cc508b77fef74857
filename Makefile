# Patroli: two commands on a fresh machine, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
FLASK := $(BIN)/flask --app patrol

.PHONY: run test test-sqlite test-postgresql lint format translations extract-messages bench scale-test report-scale partition-test forecast-eval clean

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

# Report pages over a year of load data (SCALE=1: 1 000 000 check-ins) against 1/1000 of it.
report-scale: $(VENV)/.installed
	$(BIN)/python scripts/report_scale.py $(or $(SCALE),1.0)

# The busy-hour forecast against the naive hourly average on held-out weeks of load data.
forecast-eval: $(VENV)/.installed
	$(BIN)/python bench/forecast_eval.py $(or $(SCALE),0.05)

# Migration 0012 (check-ins partitioned by month) on seed-load data (SCALE=0.1: 100 000
# check-ins), timed and checked, then downgraded; needs DATABASE_URL or TEST_DATABASE_URL.
partition-test: $(VENV)/.installed
	$(BIN)/python bench/partition_test.py $(or $(SCALE),0.1)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
