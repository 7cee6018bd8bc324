# Every target builds what it needs in .venv, so these commands are the whole set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check jbp tests bench

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 tests

demo: $(STAMP)
	bash sample_data/demo.sh

bench: $(STAMP)
	$(BIN)/python -m bench.run_all $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache
