# The two commands of the README, and what they stand on.
#
#   make test    create .venv, install everything, run the trial suites
#   make demo    create .venv, run a local cluster with example frameworks
#   make proto   regenerate mesos_tw/*_pb2.py from protocols/*.proto

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
TESTS  ?= tests

.PHONY: all venv test demo proto bench clean

all: test

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable '.[test,dev]' --config-settings editable_mode=compat
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(PY) -m twisted.trial --reporter=text $(TESTS)

demo: $(STAMP)
	rm -rf demo-work
	$(VENV)/bin/mesos-tw local --num-slaves 2 --work-dir demo-work -- $(PY) examples/demo.py

proto: $(STAMP)
	$(PY) -m grpc_tools.protoc -Imesos_tw=protocols --python_out=. --pyi_out=. \
	    mesos_tw/mesos.proto mesos_tw/messages.proto

clean:
	rm -rf $(VENV) _trial_temp demo-work build *.egg-info
