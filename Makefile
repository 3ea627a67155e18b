# The two commands a new user needs:  make run   (serve the demo)   and   make test   (lint + tests).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
WORKERS ?= 2
STAMP  := $(VENV)/.installed-stamp
export FLASK_APP := evalflow

.PHONY: run test lint format translations extract-messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,postgres]"
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel --quiet compile -f -d evalflow/translations

extract-messages: $(STAMP)
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k N_ -o evalflow/translations/messages.pot .
	$(BIN)/pybabel --quiet update -i evalflow/translations/messages.pot -d evalflow/translations

# Links printed by the demo and on seat cards point at this server unless you say otherwise.
run: export EVALFLOW_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo "evalflow: http://$(HOST):$(PORT)/  (office login: admin / $${EVALFLOW_DEMO_PASSWORD:-evalflow-demo})"
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --no-control-socket --access-logfile - wsgi:app

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

AXE := tests/e2e/node_modules/axe-core/axe.min.js

# axe-core (pinned in tests/e2e/package-lock.json) for the browser tests' accessibility checks;
# without npm those checks skip with a reason (CI installs npm, so there they run).
$(AXE): tests/e2e/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/e2e --no-audit --no-fund --silent; \
	else echo "npm missing: the accessibility checks will skip"; fi

test: lint translations $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP) translations
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
