#!/usr/bin/env bash
# `make test`: set-up, a throw-away database, the addon installed with Odoo's test runner
# (at_install and post_install tests, browser tours in headless Chromium), then one closing
# line "N passed, N failed, N skipped". Any failure, error or skipped test fails the run.
#   TEST_TAGS=/partner_segmentation:TestLifecycle make test   # a subset
#   KEEP_DB=1 make test                                       # keep the database afterwards
source "$(dirname "$0")/env.sh"
setup_all
ensure_chromium
"$PY" -c 'import websocket' 2>/dev/null || { log "websocket-client missing in $VENV"; exit 1; }

DB="${TEST_DB:-ps_test_$$_$(date +%s)}"
TAGS="${TEST_TAGS:-/partner_segmentation}"
write_conf "$DB"
LOG="$BUILD/test-$DB.log"

cleanup() {
  [ -n "${KEEP_DB:-}" ] && { log "Kept database $DB"; return; }
  dropdb --if-exists "$DB" >/dev/null 2>&1 || true
  rm -rf "$DATA_DIR/filestore/$DB"
}
trap cleanup EXIT

create_db_from_template "$DB"
write_conf "$DB"

log "Installing partner_segmentation in $DB and running tests ($TAGS)"
set +e
# base_automation (not a dependency) for the uninstall hook's tests of automation rules
odoo_bin -d "$DB" -i partner_segmentation,base_automation --without-demo=all --test-enable \
  --test-tags "$TAGS" --stop-after-init --http-port="$(free_port "${TEST_HTTP_PORT:-8169}")" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

"$PY" "$ADDON_DIR/tools/test_summary.py" "$LOG" || rc=1
exit $rc
