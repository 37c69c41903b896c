# airq — two commands on a fresh machine:
#   make demo   installs, gets the corpus, ingests and answers a sample question
#   make test   installs and runs lint, types and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Where `make demo` copies the PDFs from; empty = download from the official URLs.
CORPUS_FROM ?= $(if $(wildcard ../shared/corpus/*.pdf),../shared/corpus,)
QUESTION ?= We host an inference API for other companies' models. How should we protect model weights from theft?

.PHONY: install demo test lint eval bench clean

install: $(VENV)/.installed

# torch first and pinned: the CPU build on local disk; anything else pulls CUDA wheels.
# -qq: errors only (these machines' pip configuration warns about every missing index folder).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq torch==2.13.0
	$(BIN)/pip install -qq -e ".[dev]"
	touch $@

demo: install
	$(BIN)/airq corpus fetch $(if $(CORPUS_FROM),--from $(CORPUS_FROM))
	$(BIN)/airq ingest
	$(BIN)/airq ask "$(QUESTION)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

eval: install
	$(BIN)/airq eval check-dataset
	$(BIN)/airq eval run --floor eval/floor.json

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf .airq .pytest_cache .mypy_cache .ruff_cache
