#!/usr/bin/env bash
# `make bench`: a benchmark database with the addon (and, for comparison, OCA's
# mass_mailing_list_dynamic from PyPI), 1M generated partners (generated once, kept), then
# bench/run.py: table on the terminal, JSON in bench/results/.
#   BENCH_PARTNERS=50000 BENCH_REPEATS=3 BENCH_OCA_TIMEOUT=300 make bench
#   BENCH_ONLY=lifecycle make bench     # the lifecycle runs only (first, unchanged, daily)
#   BENCH_ONLY=scale make bench         # the scaling run's figures at one size (make bench-scale)
#   BENCH_CHECKPOINT=1 make bench       # a CHECKPOINT (untimed) before each timed run
source "$(dirname "$0")/env.sh"
setup_all
PARTNERS="${BENCH_PARTNERS:-1000000}"
DB="${BENCH_DB:-ps_bench_${PARTNERS}}"
OCA_DIR="$CACHE_DIR/oca-18.0"

# OCA's module, for the side-by-side: from PyPI, outside the repository, never committed.
modules=partner_segmentation
if [ ! -d "$OCA_DIR/odoo/addons/mass_mailing_list_dynamic" ]; then
  log "Fetching OCA mass_mailing_list_dynamic 18.0 from PyPI into $OCA_DIR"
  "$PY" -m pip install -q --no-deps --target "$OCA_DIR" \
    'odoo-addon-mass_mailing_list_dynamic>=18.0,<18.1' 'odoo-addon-mass_mailing_partner>=18.0,<18.1' \
    || log "OCA modules unavailable: the bench runs without that comparison"
fi
if [ -d "$OCA_DIR/odoo/addons/mass_mailing_list_dynamic" ]; then
  EXTRA_ADDONS="$OCA_DIR/odoo/addons"; export EXTRA_ADDONS
  modules=partner_segmentation,mass_mailing_list_dynamic
  oca_timeout="${BENCH_OCA_TIMEOUT:-300}"
else
  oca_timeout=0
fi

if ! db_exists "$DB"; then
  log "Creating $DB"
  create_db_from_template "$DB"
  write_conf "$DB"
  odoo_bin -d "$DB" -i "$modules" --without-demo=all --stop-after-init --log-level=warn
else
  write_conf "$DB"
  odoo_bin -d "$DB" -u partner_segmentation --stop-after-init --log-level=warn
fi

mkdir -p "$ADDON_DIR/bench/results"
out="${BENCH_OUT:-$ADDON_DIR/bench/results/bench-${PARTNERS}-$(date +%Y%m%d-%H%M%S).json}"
ODOO_SRC="$ODOO_SRC" "$PY" "$ADDON_DIR/bench/run.py" --conf "$ODOO_CONF" --db "$DB" \
  --partners "$PARTNERS" --repeats "${BENCH_REPEATS:-3}" --oca-timeout "$oca_timeout" \
  --naive-timeout "${BENCH_NAIVE_TIMEOUT:-300}" --mailing-size "${BENCH_MAILING_SIZE:-$(( PARTNERS < 1000000 ? PARTNERS * 18 / 100 : 180000 ))}" \
  --out "$out" ${BENCH_ONLY:+--only "$BENCH_ONLY"} ${BENCH_CHECKPOINT:+--checkpoint}
