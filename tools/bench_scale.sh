#!/usr/bin/env bash
# `make bench-scale`: the scaling run. The scale figures (segment first builds and unchanged
# rebuilds, lifecycle first and daily runs, mailing sync of 18 % of the partners) at each
# size, one generated database per size (kept), then bench/scale.py: ratio per doubling,
# 10M extrapolation, a PNG plot in bench/results/.
#   BENCH_SCALE_SIZES="250000 500000 1000000 2000000" make bench-scale
source "$(dirname "$0")/env.sh"
setup_all
"$PY" -c "import matplotlib" 2>/dev/null || "$PY" -m pip install -q matplotlib
stamp=$(date +%Y%m%d-%H%M%S)
reports=()
for size in ${BENCH_SCALE_SIZES:-250000 500000 1000000 2000000}; do
  out="$ADDON_DIR/bench/results/scale-${size}-${stamp}.json"
  log "Scaling run: $size partners"
  BENCH_ONLY=scale BENCH_PARTNERS=$size BENCH_OUT="$out" BENCH_MAILING_SIZE=$(( size * 18 / 100 )) \
    BENCH_OCA_TIMEOUT=0 bash "$ADDON_DIR/tools/bench.sh"
  reports+=("$out")
done
"$PY" "$ADDON_DIR/bench/scale.py" "${reports[@]}" \
  --png "$ADDON_DIR/bench/results/scale-${stamp}.png" --out "$ADDON_DIR/bench/results/scale-${stamp}.json"
