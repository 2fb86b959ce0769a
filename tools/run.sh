#!/usr/bin/env bash
# `make run`: set-up, a database with the addon and its demo data (created once, kept), then
# Odoo served on http://localhost:8069 (login admin / admin).
#   DB=mydb PORT=8070 make run
source "$(dirname "$0")/env.sh"
setup_all
DB="${DB:-partner_segmentation_demo}"
PORT="${PORT:-8069}"
write_conf "$DB"
if ! psql -d postgres -Atc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  log "Creating database $DB with the addon and its demo data (a few minutes the first time)"
  odoo_bin -d "$DB" -i partner_segmentation --stop-after-init --log-level=warn
  # Odoo 18 creates admin with password 'admin' on a demo database.
else
  log "Updating partner_segmentation in $DB (this checkout's version)"
  odoo_bin -d "$DB" -u partner_segmentation --stop-after-init --log-level=warn
fi
log "Serving Odoo on http://localhost:$PORT (login admin / admin). Ctrl-C stops it."
exec "$PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DB" --http-port="$PORT"
