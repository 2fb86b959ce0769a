#!/usr/bin/env bash
# `make test-odoo`: Odoo's own test suites of the modules we extend, run twice with Odoo's
# runner — on a database without partner_segmentation, then on a copy of it with the addon
# installed — and compared by tools/odoo_suites_compare.py. Fails when a test fails, errors,
# is skipped or never runs only with the addon; failures on both sides are this machine's
# (no network, ...) and are listed only. Logs stay in .build/suites-<prefix>/.
#   KEEP_DB=1 make test-odoo    # keep both databases afterwards
source "$(dirname "$0")/env.sh"
setup_all
ensure_chromium  # some of these suites hold browser tours (HttpCase)
"$PY" -c 'import websocket' 2>/dev/null || { log "websocket-client missing in $VENV"; exit 1; }

MODULES=contacts,crm,mass_mailing,mass_mailing_sms,sale
TAGS=/contacts,/crm,/mass_mailing,/mass_mailing_sms,/sale
PREFIX="ps_suites_$$_$(date +%s)"
BASE_DB="${PREFIX}_base" ADDON_DB="${PREFIX}_addon"
LOGS="$BUILD/suites-$PREFIX"
mkdir -p "$LOGS" "$DATA_DIR/filestore"

cleanup() {
  [ -n "${KEEP_DB:-}" ] && { log "Kept databases $BASE_DB and $ADDON_DB"; return; }
  for db in "$BASE_DB" "$ADDON_DB"; do
    dropdb --if-exists --force "$db" >/dev/null 2>&1 || true
    rm -rf "${DATA_DIR:?}/filestore/$db" "$BUILD/odoo-$db.conf"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that the EXIT trap drops the databases on Ctrl-C / kill too


run_install() {  # run_install DB MODULES LOGNAME
  write_conf "$1"
  odoo_bin -d "$1" -i "$2" --without-demo=all --stop-after-init --log-level=warn \
    >"$LOGS/$3.log" 2>&1 || { tail -n 30 "$LOGS/$3.log"; log "Installing $2 in $1 failed"; exit 1; }
}

run_suites() {  # run_suites DB PORT LOGNAME: full log to a file, failures echoed as they come
  write_conf "$1"
  log "Running Odoo's tests of $MODULES on $1 (log: $LOGS/$3.log)"
  # Odoo's exit code is not used: the comparison reads the log.
  odoo_bin -d "$1" -u "$MODULES" --test-enable --test-tags "$TAGS" --stop-after-init \
      --http-port="$2" 2>&1 | tee "$LOGS/$3.log" \
    | grep --line-buffered -E ' CRITICAL | ERROR .*: (FAIL|ERROR): |tests when loading database' >&2 || true
}

t0=$SECONDS
log "Building $BASE_DB with $MODULES (no demo data)"
run_install "$BASE_DB" "$MODULES" install-base
t_base_db=$((SECONDS - t0))

t=$SECONDS
log "Copying it to $ADDON_DB and installing partner_segmentation there"
createdb -T "$BASE_DB" "$ADDON_DB"
cp -r "$DATA_DIR/filestore/$BASE_DB" "$DATA_DIR/filestore/$ADDON_DB"
run_install "$ADDON_DB" partner_segmentation install-addon
t_addon_db=$((SECONDS - t))

# One side after the other: with 2 cores, running them together only makes both slower.
t=$SECONDS; run_suites "$BASE_DB" "$(free_port "${SUITES_HTTP_PORT_BASE:-8079}")" without-addon
t_without=$((SECONDS - t))
t=$SECONDS; run_suites "$ADDON_DB" "$(free_port "${SUITES_HTTP_PORT_ADDON:-8089}")" with-addon
t_with=$((SECONDS - t))

printf '\nTimes: base database %ss, addon install %ss, suites without addon %ss, with addon %ss, total %ss\n' \
  "$t_base_db" "$t_addon_db" "$t_without" "$t_with" "$((SECONDS - t0))"
"$PY" "$ADDON_DIR/tools/odoo_suites_compare.py" "$LOGS/without-addon.log" "$LOGS/with-addon.log"
