"""`make bench-scale`: the scaling run's figures side by side, per size.

    python bench/scale.py bench/results/scale-250000-*.json ... --png bench/results/scale.png

Reads the JSON of ``run.py --only scale`` at each size (several per size: one per round of
``tools/bench_scale.sh``, a figure is then the median over them), prints each figure per
size, its cost ratio per doubling of the partners (target <= 2.2x) and a 10M-partner
extrapolation (power law through the two largest sizes), and draws the figures on a
log-log plot.
"""
# pylint: disable=print-used  # a command-line report

import argparse
import json
import math
import statistics

DOUBLING_TARGET = 2.2
FLOOR = "floor: "  # a reference figure (hand-written SQL), shown but not judged
EXTRAPOLATE_TO = 10_000_000


def figures(report):
    """{figure name: median seconds} of one size's report."""
    life = report["lifecycle"]
    out = {
        "lifecycle first run": life["first"]["median"],
        "lifecycle daily run (1 % bought)": life["daily"]["median"],
        "mailing sync into an empty list": report["mailing"]["first"]["median"],
    }
    for seg in report["segments"]:
        out[f"first build, {seg['scenario']}"] = seg["first"]["median"]
        out[f"unchanged rebuild, {seg['scenario']}"] = seg["rebuild"]["median"]
        if "reference" in seg:  # PostgreSQL's own SQL for the same set: how much it grows
            out[f"{FLOOR}SQL select, {seg['scenario']}"] = seg["reference"]["median"]
            out[f"{FLOOR}SQL insert, {seg['scenario']}"] = seg["write_floor"]["median"]
    return out


def exponent(small, t_small, large, t_large):
    """The power law's exponent between two sizes: seconds ~ partners ** exponent."""
    return math.log(max(t_large, 1e-3) / max(t_small, 1e-3)) / math.log(large / small)


def ratios(sizes, series):
    """Cost ratio per doubling between each two consecutive sizes (normalized to a factor
    of two when the sizes are not exactly twice each other)."""
    return [
        round(2 ** exponent(sizes[i], series[i], sizes[i + 1], series[i + 1]), 2) for i in range(len(sizes) - 1)
    ]


def extrapolate(sizes, series, target=EXTRAPOLATE_TO):
    """Seconds at ``target`` partners on the power law through the two largest sizes."""
    power = exponent(sizes[-2], series[-2], sizes[-1], series[-1])
    return round(series[-1] * (target / sizes[-1]) ** power, 1)


def size_figures(reports):
    """{figure name: median seconds} over one size's reports (rounds); figures missing
    from a round are left out."""
    rounds = [figures(report) for report in reports]
    return {
        name: round(statistics.median(found[name] for found in rounds), 3)
        for name in rounds[0]
        if all(name in found for found in rounds)
    }


def summary(reports):
    """``reports``: {partners: [report of each round]}."""
    sizes = sorted(reports)
    by_figure = {}
    for size in sizes:
        for name, seconds in size_figures(reports[size]).items():
            by_figure.setdefault(name, []).append(seconds)
    rows = []
    for name, series in by_figure.items():
        if len(series) != len(sizes):
            continue
        per_doubling = ratios(sizes, series)
        rows.append(
            {
                "figure": name,
                "seconds": dict(zip(sizes, series, strict=True)),
                "per_doubling": per_doubling,
                # over the whole range: less sensitive to one size's noisy median
                "per_doubling_overall": round(2 ** exponent(sizes[0], series[0], sizes[-1], series[-1]), 2)
                if len(sizes) > 1
                else None,
                "met": None if name.startswith(FLOOR) else all(r <= DOUBLING_TARGET for r in per_doubling),
                "at_10m": extrapolate(sizes, series) if len(sizes) > 1 else None,
            }
        )
    return sizes, rows


def text(sizes, rows):
    head = " | ".join(f"{s // 1000}k" for s in sizes)
    lines = [
        f"figure: median s at {head} | ratio per doubling (target <= {DOUBLING_TARGET}x), "
        f"over {sizes[0] // 1000}k-{sizes[-1] // 1000}k | at 10M"
    ]
    for row in rows:
        lines.append(
            f"{'OVER ' if row['met'] is False else ''}{row['figure']}: "
            + " | ".join(f"{row['seconds'][s]}" for s in sizes)
            + " | "
            + " ".join(f"{r}x" for r in row["per_doubling"])
            + f", {row['per_doubling_overall']}x | ~{row['at_10m']} s"
        )
    return "\n".join(lines)


def plot(sizes, rows, path):
    import matplotlib  # pylint: disable=import-outside-toplevel  # bench-only dependency

    matplotlib.use("Agg")
    from matplotlib import pyplot  # pylint: disable=import-outside-toplevel

    fig, axes = pyplot.subplots(figsize=(13, 6))
    colors = pyplot.get_cmap("tab20").colors
    for index, row in enumerate(row for row in rows if row["met"] is not None):
        axes.plot(
            sizes,
            [row["seconds"][s] for s in sizes],
            marker="o",
            color=colors[index % len(colors)],
            linestyle="--" if row["figure"].startswith("unchanged") else "-",
            label=row["figure"],
        )
    if rows:  # a guide: what linear growth from the first figure's smallest size looks like
        start = rows[0]["seconds"][sizes[0]]
        axes.plot(sizes, [start * s / sizes[0] for s in sizes], linestyle=":", color="grey", label="linear")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.minorticks_off()
    axes.set_xticks(sizes, [f"{s // 1000}k" for s in sizes])
    axes.set_xlabel("partners")
    axes.set_ylabel("seconds (median)")
    axes.set_title("partner_segmentation: cost per size")
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reports", nargs="+", help="JSON of run.py --only scale, one or more per size")
    parser.add_argument("--png", required=True)
    parser.add_argument("--out", required=True, help="JSON summary")
    args = parser.parse_args()
    reports = {}
    for path in args.reports:
        with open(path, encoding="utf-8") as handle:
            report = json.load(handle)
        reports.setdefault(report["partners"], []).append(report)
    sizes, rows = summary(reports)
    rounds = {size: len(reports[size]) for size in sizes}
    with open(args.out, "w", encoding="utf-8") as handle:
        server = reports[sizes[-1]][0].get("server")
        json.dump({"sizes": sizes, "rounds": rounds, "server": server, "figures": rows}, handle, indent=2)
    plot(sizes, rows, args.png)
    print(f"rounds per size: {rounds}")
    settings = {json.dumps(report.get("server"), sort_keys=True) for runs in reports.values() for report in runs}
    print(f"PostgreSQL: {', '.join(sorted(settings))}")
    print(text(sizes, rows))
    print(f"\nJSON: {args.out}\nplot: {args.png}")


if __name__ == "__main__":
    main()
