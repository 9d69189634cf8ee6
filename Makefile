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
	$(BIN)/ocpp-harness run --pics $(PICS) --dut sim -n auto

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest tests -q --ignore=tests/bench -n 4 --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m pytest tests/bench -q -s

# The HTML report test opens the report in a real browser (Debian's chromium): installed when missing and
# root; otherwise one line says how (the browser test then fails saying so, or skips with HARNESS_SKIP_BROWSER=1).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "make: could not install chromium; the browser test will say so"; \
	  else \
	    echo "make: the browser test needs chromium: sudo apt-get install chromium (or HARNESS_SKIP_BROWSER=1 make test)"; \
	  fi; }

clean:
	rm -rf $(VENV) reports/2* reports/latest .pytest_cache
