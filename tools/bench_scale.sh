#!/usr/bin/env bash
# `make bench-scale`: the scaling run. The scale figures (segment first builds and unchanged
# rebuilds, lifecycle first and daily runs, mailing sync of 18 % of the partners) at each
# size, one generated database per size (kept), then bench/scale.py: ratio per doubling,
# 10M extrapolation, a PNG plot in bench/results/.
#
# The sizes are interleaved: each round measures every size once, and a figure is the
# median over the rounds. A machine that slows down for a while (a shared host, the
# server's own checkpoints) then slows every size alike instead of the one measured at
# that time, which would show as a false growth ratio. Each timed run starts after a
# CHECKPOINT, so none writes what the run before it left.
#   BENCH_SCALE_SIZES="250000 500000 1000000 2000000" BENCH_SCALE_ROUNDS=3 make bench-scale
source "$(dirname "$0")/env.sh"
setup_all
"$PY" -c "import matplotlib" 2>/dev/null || "$PY" -m pip install -q matplotlib
stamp=$(date +%Y%m%d-%H%M%S)
reports=()
for round in $(seq 1 "${BENCH_SCALE_ROUNDS:-3}"); do
  for size in ${BENCH_SCALE_SIZES:-250000 500000 1000000 2000000}; do
    out="$ADDON_DIR/bench/results/scale-${size}-${stamp}-r${round}.json"
    log "Scaling run, round $round: $size partners"
    BENCH_ONLY=scale BENCH_PARTNERS=$size BENCH_OUT="$out" BENCH_MAILING_SIZE=$(( size * 18 / 100 )) \
      BENCH_REPEATS=1 BENCH_CHECKPOINT=1 BENCH_OCA_TIMEOUT=0 bash "$ADDON_DIR/tools/bench.sh"
    reports+=("$out")
  done
done
"$PY" "$ADDON_DIR/bench/scale.py" "${reports[@]}" \
  --png "$ADDON_DIR/bench/results/scale-${stamp}.png" --out "$ADDON_DIR/bench/results/scale-${stamp}.json"
