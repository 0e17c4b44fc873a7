# Two commands on a fresh machine with python3 and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench eval clean

run: $(VENV)/.installed
	$(BIN)/parade-bot

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Measures this machine (about 6 minutes) and writes bench/RESULTS.md; parts: make bench PARTS="ask startup"
# (latency dispatch ask adapters fanout reload startup feeds); BENCH_SIZES=1000,10000 skips the 100,000-fact rows.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench $(PARTS)

# How well `ask` answers the project's question sets: accuracy, confidently wrong, declined.
eval: $(VENV)/.installed-dev
	$(BIN)/python -m bench.evaluate --misses

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.created pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
