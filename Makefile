# Two commands on a fresh machine:
#   make demo   a full conformance run against the reference charge point; writes reports/latest/
#   make test   the project's own tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PICS ?= pics/bsec-22k-a2-ccs2-400s.yaml

.PHONY: demo test bench browser-deps clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ocpp-harness run --pics $(PICS) --dut sim

test: $(STAMP)
	$(BIN)/python -m pytest tests -q --ignore=tests/bench

bench: $(STAMP)
	$(BIN)/python -m pytest tests/bench -q -s

# The HTML report test opens the report in a real browser (Debian's chromium).
browser-deps:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

clean:
	rm -rf $(VENV) reports/2* reports/latest .pytest_cache
