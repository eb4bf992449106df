# The two commands a newcomer needs: `make run` and `make test`.
#   make run                      dashboard + one local worker on http://127.0.0.1:8000
#   make run PORT=8011 HOST=0.0.0.0
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench install dev wheel clean

$(BIN)/trainboard: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

install: $(BIN)/trainboard

$(VENV)/.dev: $(BIN)/trainboard
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

dev: $(VENV)/.dev

run: install
	@echo "Dashboard: http://$(HOST):$(PORT)/   (Ctrl-C stops it; the worker hands its run back first)"
	@echo "CLI: $(BIN)/trainboard --help   (or: source $(BIN)/activate, then trainboard ...)"
	@$(BIN)/trainboard serve --host $(HOST) --port $(PORT)

test: dev
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: dev
	$(BIN)/python -m benchmarks.run_all

wheel: install
	$(BIN)/pip wheel -q --no-deps -w dist .

clean:
	rm -rf $(VENV) .pytest_cache dist build *.egg-info
