# Two entry points for a newcomer: `make run` (the dev chain's staking lifecycle) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS := tests/js
JS_STAMP := $(JS)/node_modules/.installed

.PHONY: run test bench lint clean chromium

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m node.staking_lifecycle

# the JS clients of tests/clients, pinned by the lock file; reinstalled when it changes
$(JS_STAMP): $(JS)/package-lock.json
	cd $(JS) && npm ci --no-audit --no-fund
	touch $(JS_STAMP)

test: $(STAMP) $(JS_STAMP) chromium
	$(BIN)/pytest -q

# Debian's chromium for the dashboard's browser tests (tests/ui), only when missing; where it
# cannot be installed the tests skip and say why
chromium:
	@[ -x /usr/bin/chromium ] || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
	  ($$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium) >/dev/null 2>&1 \
	  || echo "chromium could not be installed: the browser tests (tests/ui) will be skipped"; }

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check storage runtime pallets node tests bench
	$(BIN)/mypy storage runtime pallets node

clean:
	rm -rf $(VENV) .phala-emu .pytest_cache
