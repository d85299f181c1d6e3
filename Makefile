# The two commands: `make run` and `make test`. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= conf/cme.cfg
# TFTP's port 69 needs root: as anyone else `make run` serves the phones' files on 6969
TFTP_PORT ?= $(shell [ "$$(id -u)" = 0 ] && echo 69 || echo 6969)
# and the web view (`ip http server`, port 80) on 8080
HTTP_PORT ?= $(shell [ "$$(id -u)" = 0 ] && echo 80 || echo 8080)

.PHONY: run test bench diagrams lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Reinstall only when the package metadata changes. editable_mode=compat puts the
# project root on sys.path, which is how twistd finds twisted/plugins/cme_plugin.py.
$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/twistd --nodaemon --pidfile= cme --config $(CONFIG) --tftp-port $(TFTP_PORT) --http-port $(HTTP_PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/actor_roundtrip.py

diagrams: $(STAMP)
	$(BIN)/python -m fsm.diagrams docs/state-machines.md

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache twisted/plugins/dropin.cache
