# Every target builds what it needs in .venv, so these commands are the whole set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian libraries weasyprint needs for PDF reports, a Chinese font (without one Chinese renders as empty
# boxes) and pdftotext for the tests that read the PDF back.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei poppler-utils

.PHONY: test demo bench lint clean system-packages bytecode

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	elif [ -n "$$missing" ]; then echo "PDF reports need: $$missing (or their equivalents)"; fi

$(STAMP): pyproject.toml | system-packages
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(MAKE) bytecode
	touch $(STAMP)

# An editable install writes no bytecode for jbp, and with PYTHONDONTWRITEBYTECODE set (as on our CI machines)
# Python never caches it: every cold `jbp` command would compile its modules from source (~70 ms).
bytecode:
	$(BIN)/python -m compileall -q jbp

lint: $(STAMP)
	$(BIN)/ruff check jbp tests bench

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 tests

demo: $(STAMP)
	bash sample_data/demo.sh

bench: $(STAMP) bytecode
	$(BIN)/python -m bench.run_all $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache
