# The two commands a newcomer needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench install dev clean

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
	$(BIN)/trainboard serve

test: dev
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: dev
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) .pytest_cache
