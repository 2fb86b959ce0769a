#!/usr/bin/env bash
# `make lint`: ruff (lint + format check) on the addon's Python.
source "$(dirname "$0")/env.sh"
ensure_odoo; ensure_venv
cd "$ADDON_DIR"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check . || log "ruff format would reformat the files above (run: $VENV/bin/ruff format .)"
