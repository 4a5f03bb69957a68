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

# Debian packages the tests use: ZooKeeper (a real server in the tests),
# util-linux (setsid, unshare) and procps (pgrep).
DEBS   := zookeeper util-linux procps

.PHONY: all venv system-deps test demo proto bench clean

all: test

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable '.[test,dev]' --config-settings editable_mode=compat
	touch $(STAMP)

venv: $(STAMP)

system-deps:
	@if [ -e /usr/share/java/zookeeper.jar ] && command -v setsid >/dev/null \
	    && command -v pgrep >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages: $(DEBS)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq $(DEBS) >/dev/null; \
	else \
	    echo "The tests need the Debian packages $(DEBS):"; \
	    echo "  sudo apt-get install $(DEBS)"; exit 1; \
	fi

test: $(STAMP) system-deps
	$(PY) -m twisted.trial --reporter=text $(TESTS)

demo: $(STAMP)
	rm -rf demo-work
	$(VENV)/bin/mesos-tw local --num-slaves 2 --work-dir demo-work -- $(PY) examples/demo.py

proto: $(STAMP)
	$(PY) -m grpc_tools.protoc -Imesos_tw=protocols --python_out=. --pyi_out=. \
	    mesos_tw/mesos.proto mesos_tw/messages.proto

clean:
	rm -rf $(VENV) _trial_temp demo-work build *.egg-info
