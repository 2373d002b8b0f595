# 书香 Shuxiang — two commands: `make run` (demo) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/shuxiang serve --demo

test: $(STAMP)
	$(BIN)/ruff check bot cli console core scheduler tests bench
	$(BIN)/python -m pytest -q -n auto

# Every benchmark runs even when one misses its target; the missed ones are listed at the end.
bench: $(STAMP)
	@missed=""; for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || missed="$$missed $$b"; done; \
	if [ -n "$$missed" ]; then echo "targets missed in:$$missed"; exit 1; fi

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
