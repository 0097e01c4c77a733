# Pulse — run `make help` for the targets. Everything runs inside .venv, which the first
# target that needs it creates from pyproject.toml and the exact pins in constraints.txt.
# With PULSE_DATABASE_URL (or DBT_PG*) set, every target uses that server instead of the
# embedded one.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PULSE  := $(BIN)/pulse
DATA   ?= data/generated
SEED   ?= 42
SCALE  ?= 1

.DEFAULT_GOAL := help
.PHONY: bi bi-venv bi-stop bi-check bi-lock spark spark-stop conventions bench bench-versions help venv demo db-start db-stop setup generate load build build-all nightly report docs test lint lock clean

help: ## Show this list of targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(VENV)/.installed ## Create .venv and install the pinned packages

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

# The Spark extra (PySpark ships Spark; dbt-spark talks to its Thrift server): `make test`
# and the spark targets install it on top of the venv, `make demo` does not.
$(VENV)/.installed-spark: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,spark]'
	@touch $@

spark: $(VENV)/.installed-spark ## Start the local Spark cluster (master, 2 workers, Thrift server)
	$(PULSE) spark start

spark-stop: ## Stop the local Spark cluster
	-$(PULSE) spark stop

demo: venv ## Set up everything from nothing: database, synthetic data, dbt build, docs, answers
	$(PULSE) db start
	$(PULSE) setup
	$(MAKE) --no-print-directory generate load build
	$(PULSE) dbt docs generate --quiet
	for domain in $$($(PULSE) domains --with-answers); do $(PULSE) answers $$domain || exit 1; done
	$(PULSE) charts elearning --out out/charts
	$(PULSE) report --dry-run out/report

db-start: venv ## Start the embedded PostgreSQL (data in .pulse/pgdata)
	$(PULSE) db start

db-stop: venv ## Stop the embedded PostgreSQL
	$(PULSE) db stop

setup: venv ## Create every raw schema and table (empty) of the contracts
	$(PULSE) setup

# The registered domains (pulse/domains.py), read when a recipe runs: after `venv` made pulse.
DOMAINS = $(shell $(PULSE) domains)

generate: venv ## Write synthetic raw data of every domain into $(DATA) (SEED=, SCALE=)
	for domain in $(DOMAINS); do \
	  $(PULSE) generate $$domain --out $(DATA)/$$domain --seed $(SEED) --scale $(SCALE) || exit 1; \
	done

load: venv ## Load the domain folders found in $(DATA) into the raw schemas
	for domain in $(DOMAINS); do \
	  if [ -d $(DATA)/$$domain ]; then $(PULSE) load $$domain $(DATA)/$$domain || exit 1; fi; \
	done

# The production build: every seed, model and data test. dbt's unit tests check the SQL, not
# the night's data, so they run in `make test` (and `make build-all`), not every night (at
# 10M shop rows that saves about 1 s of the nightly run, README). The build writes dbt's
# manifest: the report, the bot, the answers and the charts take the marts' names from it.
BUILD_FLAGS := --exclude-resource-type unit_test

build: venv ## dbt build of the data (seeds, models, data tests) against the current database
	$(PULSE) setup
	$(PULSE) dbt build $(BUILD_FLAGS)

build-all: venv ## dbt build with the unit tests too, and dbt's artifacts in target/
	$(PULSE) setup
	$(PULSE) dbt build

nightly: venv ## Load what is new in $(DATA), dbt build, send the sales report (cron)
	$(MAKE) --no-print-directory load build
	$(PULSE) report

report: venv ## Send the sales report for the data's last day (DATE=YYYY-MM-DD to choose)
	$(PULSE) report $(if $(DATE),--date $(DATE))

docs: venv ## Generate and serve the dbt docs site on http://localhost:8080
	$(PULSE) dbt docs generate
	$(PULSE) dbt docs serve --port 8080 --no-browser

lint: venv ## ruff and sqlfluff (the dbt templater compiles against the current database)
	$(BIN)/ruff check pulse pytests
	$(BIN)/ruff format --check pulse pytests
	eval "$$($(PULSE) db env)" && $(BIN)/sqlfluff lint models analyses tests
	eval "$$($(PULSE) db env)" && $(BIN)/sqlfluff lint --config .sqlfluff-incremental models/intermediate/shop

# Apache Superset (issue 13) in its own virtualenv: its pins conflict with dbt's. `make demo`
# never installs it; `make test` does, once (the stamp keeps it across runs).
BI_VENV     := .venv-bi
# Superset 6.1.0 needs flask-caching < 2.4 (its metastore cache rejects a newer argument) and
# imports cachetools and rich without declaring them.
BI_PACKAGES := apache-superset==6.1.0 psycopg2-binary "flask-caching<2.4" cachetools rich

bi-venv: $(BI_VENV)/.installed

$(BI_VENV)/.installed: constraints-bi.txt
	$(PYTHON) -m venv $(BI_VENV)
	$(BI_VENV)/bin/pip install --quiet --upgrade pip
	$(BI_VENV)/bin/pip install --quiet -c constraints-bi.txt $(BI_PACKAGES)
	@touch $@

bi: venv bi-venv ## Superset with the dashboards of bi/superset on http://127.0.0.1:8088 (as pulse_bi)
	$(PULSE) setup
	$(PULSE) bi start

bi-stop: venv ## Stop the Superset that `make bi` started
	$(PULSE) bi stop

bi-check: venv bi-venv ## Superset on generated data: every dashboard in headless Chromium, screenshots in out/bi
	$(BIN)/pytest pytests/test_bi_dashboards.py

bi-lock: ## Re-pin constraints-bi.txt from a fresh resolve of BI_PACKAGES
	rm -rf /tmp/pulse-bi-lock && $(PYTHON) -m venv /tmp/pulse-bi-lock
	/tmp/pulse-bi-lock/bin/pip install --quiet $(BI_PACKAGES)
	{ echo "# Exact versions of everything .venv-bi installs (Superset's pins conflict with dbt's)."; \
	  echo "# Regenerate after changing BI_PACKAGES in the Makefile: make bi-lock"; \
	  /tmp/pulse-bi-lock/bin/pip freeze; } > constraints-bi.txt

test: venv bi-venv $(VENV)/.installed-spark ## The whole suite (pytests/): lint, loader, generator, dbt build + unit tests, marts vs pandas
	$(BIN)/pytest

bench: venv ## Benchmark the shop domain at 1M and 10M rows against pandas (ROWS=, ENGINE=spark)
	$(if $(filter spark,$(ENGINE)),$(MAKE) --no-print-directory $(VENV)/.installed-spark)
	$(PULSE) bench $(if $(ROWS),--rows $(ROWS)) $(if $(ENGINE),--engine $(ENGINE))

bench-versions: venv ## Every domain on PostgreSQL 15 and the embedded server, per-model times (SEEDS=)
	$(PULSE) bench --versions $(if $(SEEDS),--seeds $(SEEDS))

conventions: venv ## Check project conventions with dbt-bouncer (naming, docs, keys, contracts)
	$(PULSE) dbt parse --quiet
	$(BIN)/dbt-bouncer --config-file dbt-bouncer.yml

lock: ## Re-pin constraints.txt from a fresh resolve of pyproject.toml
	rm -rf /tmp/pulse-lock && $(PYTHON) -m venv /tmp/pulse-lock
	/tmp/pulse-lock/bin/pip install --quiet '.[dev,spark]'
	{ echo "# Exact versions of every package (direct and transitive) the project installs."; \
	  echo "# Regenerate after changing pyproject.toml: make lock"; \
	  /tmp/pulse-lock/bin/pip freeze --exclude pulse; } > constraints.txt

clean: ## Stop the embedded server, Superset and Spark; remove .venv*, .pulse, generated data, target
	-$(PULSE) bi stop
	-$(PULSE) spark stop
	-$(PULSE) db stop
	rm -rf $(VENV) $(BI_VENV) .pulse data out target logs
