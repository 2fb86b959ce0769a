#!/usr/bin/env bash
# Shared set-up for `make run`, `make test` and `make bench`: finds (or clones) Odoo 18,
# builds a virtualenv with Odoo's and the addon's requirements, makes sure PostgreSQL
# answers, and writes an odoo.conf whose addons_path holds this addon under its real name.
# Source it; it exports ODOO_SRC, VENV, PY, BUILD, ODOO_CONF and defines odoo_bin.
set -euo pipefail

ADDON_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/partner_segmentation"
ODOO_SRC="${ODOO_SRC:-$CACHE_DIR/odoo-18.0}"
VENV="${VENV:-$CACHE_DIR/venv-$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')}"
BUILD="$ADDON_DIR/.build"
DATA_DIR="$CACHE_DIR/data"  # filestores, shared by every clone like the template database
PY="$VENV/bin/python"
export ADDON_DIR CACHE_DIR ODOO_SRC VENV BUILD DATA_DIR PY

log() { printf '\033[1m[partner_segmentation]\033[0m %s\n' "$*" >&2; }

ensure_odoo() {
  if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
    log "No Odoo tree at $ODOO_SRC: cloning the official 18.0 branch there"
    mkdir -p "$(dirname "$ODOO_SRC")"
    git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$ODOO_SRC" || {
      log "Could not clone Odoo. Put an Odoo 18.0 tree at $ODOO_SRC or set ODOO_SRC."; exit 1; }
  fi
}

ensure_venv() {
  # Odoo's pins, less python-ldap (needs system headers, only for auth_ldap) and with the
  # cbor2 pin that builds on current setuptools; then our own requirements.
  local reqs="$CACHE_DIR/requirements-odoo.txt" stamp
  mkdir -p "$CACHE_DIR"
  sed -e '/^python-ldap/d' -e 's/^cbor2==5\.4\.2/cbor2==5.6.5/' "$ODOO_SRC/requirements.txt" > "$reqs"
  stamp=$(cat "$reqs" "$ADDON_DIR/requirements.txt" | sha1sum | cut -c1-12)
  if [ ! -f "$VENV/.stamp-$stamp" ]; then
    log "Installing Python requirements into $VENV"
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install -q --upgrade pip wheel 'setuptools<70'
    "$PY" -m pip install -q -r "$reqs" -r "$ADDON_DIR/requirements.txt"
    rm -f "$VENV"/.stamp-*; touch "$VENV/.stamp-$stamp"
  fi
}

ensure_postgres() {
  if pg_isready -q 2>/dev/null && psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then return; fi
  if ! command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "PostgreSQL is not installed: installing Debian's postgresql package (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local ver; ver=$(pg_lsclusters -h | awk 'NR==1{print $1}')
    if [ -n "$ver" ]; then
      log "Starting PostgreSQL $ver"
      pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
      sleep 2
      psql -d postgres -Atc 'select 1' >/dev/null 2>&1 || {
        log "Creating the PostgreSQL role $(id -un) (superuser, for throw-away databases)"
        su postgres -c "createuser --superuser $(id -un)" || true; }
    fi
  fi
  psql -d postgres -Atc 'select 1' >/dev/null 2>&1 || {
    log "PostgreSQL is not reachable. Install it (Debian: apt-get install postgresql) and make"
    log "sure the user $(id -un) can connect (createuser --superuser $(id -un))."; exit 1; }
}

ensure_chromium() {
  for c in chromium chromium-browser google-chrome; do command -v "$c" >/dev/null && return; done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "Installing Debian's chromium for the browser tours"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    log "No Chromium found: install Debian's 'chromium' package (browser tours need it)."; exit 1
  fi
}

write_conf() {  # write_conf DBNAME [extra lines]
  mkdir -p "$BUILD/addons"
  ln -sfn "$ADDON_DIR" "$BUILD/addons/partner_segmentation"
  ODOO_CONF="$BUILD/odoo-$1.conf"
  cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$BUILD/addons${EXTRA_ADDONS:+,$EXTRA_ADDONS}
db_name = $1
dbfilter = ^$1\$
admin_passwd = admin
data_dir = $DATA_DIR
list_db = False
${2:-}
CONF
  export ODOO_CONF
}

db_exists() { psql -d postgres -Atc "select 1 from pg_database where datname='$1'" | grep -q 1; }

# The dependencies' installation (about a minute) is kept as a template database, keyed by
# the Odoo tree and our dependency list; a new database copies it (and its filestore).
create_db_from_template() {  # create_db_from_template DBNAME  (then: write_conf DBNAME)
  local deps tkey template
  deps=$("$PY" -c "import ast;print(','.join(ast.literal_eval(open('$ADDON_DIR/__manifest__.py').read())['depends']))")
  tkey=$( (cat "$ODOO_SRC/odoo/release.py"; echo "$deps"; ls "$ODOO_SRC/addons") | sha1sum | cut -c1-10)
  template="ps_tmpl_$tkey"
  mkdir -p "$DATA_DIR/filestore"
  if ! db_exists "$template" || [ ! -d "$DATA_DIR/filestore/$template" ]; then
    log "Building template database $template with $deps"
    dropdb --if-exists "$template" >/dev/null 2>&1 || true
    write_conf "$template"
    odoo_bin -d "$template" -i "$deps" --without-demo=all --stop-after-init --log-level=warn \
      || { log "Installing $deps failed"; dropdb --if-exists "$template"; exit 1; }
  fi
  createdb -T "$template" "$1"
  rm -rf "$DATA_DIR/filestore/$1"
  cp -r "$DATA_DIR/filestore/$template" "$DATA_DIR/filestore/$1"
}

# The preferred port when nothing listens on it, else any free one: `make run` (8069) or
# another run may be serving on this machine at the same time.
free_port() {
  "$PY" - "$1" <<'PY'
import socket, sys
for port in (int(sys.argv[1]), 0):
    with socket.socket() as s:
        try:
            s.bind(("", port))
        except OSError:
            continue
        print(s.getsockname()[1])
        break
PY
}

odoo_bin() { "$PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"; }

setup_all() { ensure_odoo; ensure_venv; ensure_postgres; }
