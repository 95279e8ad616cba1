# courtside: `make demo` runs the main job on a fresh machine, `make test` passes the suite.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,postgres,spark,flink,dashboard,aws,enrich
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: demo demo-aws test lint typecheck install bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $@

install: $(STAMP)

demo:
	$(MAKE) install EXTRAS=postgres,dashboard,enrich
	$(BIN)/courtside demo

# The same demo on S3, Kinesis, DynamoDB, Glue and SNS, on a local AWS-protocol server.
demo-aws:
	$(MAKE) install EXTRAS=postgres,dashboard,enrich,aws-local
	$(BIN)/courtside demo --aws

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/cfn-lint deploy/cloudformation/courtside.yaml
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) courtside-home .pytest_cache .mypy_cache .ruff_cache
