#!/usr/bin/env bash
# `make lint`: ruff (lint and format) and OCA's pylint-odoo checks on the addon's Python.
# Any finding fails the run.
source "$(dirname "$0")/env.sh"
ensure_odoo; ensure_venv
cd "$ADDON_DIR"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check . || { log "run: $VENV/bin/ruff format ."; exit 1; }
"$VENV/bin/pylint" --rcfile=.pylintrc --jobs=2 . && log "lint: ruff and pylint-odoo clean"
