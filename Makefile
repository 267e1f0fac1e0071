# Every target does its own set-up: a fresh machine needs nothing but this file's recipes.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
TOOLS := $(CURDIR)/.tools/bin
export PATH := $(CURDIR)/$(VENV)/bin:$(TOOLS):$(PATH)

HELM_VERSION := v3.16.4
JSONNET_VERSION := v0.21.0
APT_PACKAGES := prometheus prometheus-alertmanager chromium docker-compose

.PHONY: help demo test lint typecheck check-generated generate bench setup system-tools venv

help:
	@echo "make demo   - start a simulated node and pay the sample schedule live"
	@echo "make test   - install everything and run lint, type checks and all tests"
	@echo "make bench  - run the benchmarks under bench/ (JSON on stdout)"

demo: venv
	$(VENV)/bin/dyt-emissions demo $(DEMO_ARGS)

test: setup lint typecheck check-generated
	$(PY) -m pytest $(PYTEST_ARGS)

setup: venv system-tools

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --config-settings editable_mode=compat -e '.[dev]'
	touch $@

# System tools the tests talk to: Debian's Prometheus, Alertmanager, Chromium and docker-compose
# (v1, which validates deploy/compose.yaml offline), and Go tools.
system-tools: $(TOOLS)/helm $(TOOLS)/jsonnetfmt
	@missing=""; \
	for cmd in prometheus promtool prometheus-alertmanager amtool chromium docker-compose; do \
	  command -v $$cmd >/dev/null || missing=yes; \
	done; \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(APT_PACKAGES) >/dev/null; \
	fi

# The flags a release build of helm sets: without them `go install` builds a helm that
# reports version "main" and assumes Kubernetes 1.20 in `template` and `lint`.
HELM_LDFLAGS := -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
  -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 \
  -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=31 \
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=31

$(TOOLS)/helm:
	GOBIN=$(TOOLS) go install -ldflags '$(HELM_LDFLAGS)' helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

$(TOOLS)/jsonnetfmt:
	GOBIN=$(TOOLS) go install github.com/google/go-jsonnet/cmd/jsonnetfmt@$(JSONNET_VERSION)
	GOBIN=$(TOOLS) go install github.com/google/go-jsonnet/cmd/jsonnet-lint@$(JSONNET_VERSION)

lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

typecheck: venv
	$(VENV)/bin/mypy

# Rendered alerts and dashboards are committed; this fails when they are stale.
generate: venv
	$(VENV)/bin/dyt-emissions mixin --out .

check-generated: venv system-tools
	$(VENV)/bin/dyt-emissions mixin --out . --check

bench: venv
	$(PY) bench/runner_bench.py
	$(PY) bench/exporter_bench.py
