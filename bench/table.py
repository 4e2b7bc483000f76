"""Put the latest SQLite and PostgreSQL benchmark runs side by side, in the shape of issue 15's table.

    python bench/table.py                  # the newest <date>-sqlite.json and <date>-postgresql.json in bench/results
    python bench/table.py a.json b.json    # these runs

Writes bench/results/<date>-table.md (the date of the newest run) and prints it.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BENCH, checks_for


def newest(kind):
    found = sorted((BENCH / "results").glob(f"*-{kind}.json"))
    return found[-1] if found else None


def columns(runs):
    """(run, size) for PostgreSQL first, then SQLite, smallest size first."""
    ordered = sorted(runs, key=lambda run: run["kind"] != "PostgreSQL")
    return [(run, str(size)) for run in ordered for size in run["sizes"]]


def cell(run, size, *keys, server=True):
    parts, times = [], []
    for key in keys:
        probe = run["probes"][key]["sizes"][size]
        parts.append(f"{probe['rps']:,.0f}" if probe["rps"] >= 10 else f"{probe['rps']:.1f}")
        times.append("–" if probe["server_p50"] is None else f"{probe['server_p50']:.1f}")
    text = " / ".join(parts)
    return f"{text}, {' / '.join(times)} ms" if server else text


def table(runs):
    cols = columns(runs)
    head = " | ".join(f"{int(size):,} jobs, {run['kind']}" for run, size in cols)
    rows = [
        ("bare Django hello world (startproject, default middleware) / the site's `/healthz`",
         lambda run, size: f"{run['hello']['rps']:,.0f} / {run['probes']['healthz']['sizes'][size]['rps']:,.0f}"),
        ("logbook page 1, cached", lambda run, size: cell(run, size, "page1_cached")),
        ("logbook page 1, **NOT cached**", lambda run, size: cell(run, size, "page1")),
        ("page 2,000 / last page, cached", lambda run, size: cell(run, size, "deep_cached", "last_cached")),
        ("page 2,000 / last page, **NOT cached**", lambda run, size: cell(run, size, "deep", "last")),
        ("search, cached (one term again)", lambda run, size: cell(run, size, "search_cached")),
        ("search, **NOT cached** (a new term each request: names, phones, serials, brands, models, faults)",
         lambda run, size: cell(run, size, "search")),
        ("item page / take-in POST / login POST", lambda run, size: cell(run, size, "item", "takein", "login")),
        ("uncached page 1 / page 2,000 / last / search as a share of hello world",
         lambda run, size: " / ".join(f"{run['probes'][key]['sizes'][size]['rps'] / run['hello']['rps']:.1%}"
                                      for key in ("page1", "deep", "last", "search"))),
    ]  # fmt: skip
    lines = [
        "| probe (req/s at 16 connections; p50 server ms at 1 connection) | " + head + " |",
        "| --- |" + " --- |" * len(cols),
    ]
    lines += [f"| {label} | " + " | ".join(make(run, size) for run, size in cols) + " |" for label, make in rows]
    return lines


def main(paths):
    files = [Path(p) for p in paths] or [f for f in (newest("postgresql"), newest("sqlite")) if f]
    if not files:
        sys.exit("No benchmark results in bench/results: run `make bench` first.")
    runs = [json.loads(f.read_text()) for f in files]
    date = max(run["date"] for run in runs)
    lines = [
        f"# Benchmark, {date}: the logbook as a shop meets it",
        "",
        "From " + ", ".join(f"`{f.name}`" for f in files) + " (medians of interleaved rounds; see each file for "
        "the load average, the rounds and wrk's own latencies). Page 2,000 is the deepest page a size has when it "
        "has fewer.",
        "",
        *table(runs),
    ]
    for run in runs:
        lines += ["", f"## Targets, {run['kind']}", "", "| target | measured | met |", "| --- | --- | --- |"]
        lines += [f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in checks_for(run)]
    out = BENCH / "results" / f"{date}-table.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"Wrote {out}\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
