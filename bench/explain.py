"""EXPLAIN every query that the logbook and search pages make, as they make it (run inside Django by run.py).

Each page is requested through Django's test client, logged in as the benchmark's manager, with a unique `_=`
parameter so that the cache of rendered pages never answers. A database execute wrapper runs EXPLAIN (ANALYZE,
BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite, of each SELECT right before the page runs it, on the same
connection and inside the same transaction, so that whatever the page set for its own queries (SET LOCAL, a
temporary table) holds for the plan too. The report flags every sequential scan of the jobs table.
"""

import json
import re
import secrets
import statistics
import time
import urllib.parse
from pathlib import Path

JOBS_TABLE = "core_serviceitem"
PG_SEQ_SCAN = re.compile(rf"Seq Scan on {JOBS_TABLE}\b")
# SQLite says SCAN both for a full read and for a walk in index (or rowid) order that stops at the LIMIT; a
# full read is a SCAN with no LIMIT to stop it, or one whose rows must all be sorted first (a temp B-tree).
SQLITE_SCAN = re.compile(rf"^SCAN {JOBS_TABLE}( USING (COVERING )?INDEX \w+)?$")
LIMIT = re.compile(r"\bLIMIT\b", re.IGNORECASE)
READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
TIMED_RUNS = 3


class PlanRecorder:
    """execute_wrapper: the plan of every SELECT, taken just before it runs."""

    def __init__(self, vendor):
        self.vendor, self.queries, self.active = vendor, [], False

    def __call__(self, execute, sql, params, many, context):
        if self.active and not many and READ.match(sql):
            self.queries.append(self.explain(context["cursor"].cursor, sql, params))
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if self.active and self.queries and self.queries[-1]["sql_raw"] == sql:
                self.queries[-1]["ms"] = (time.perf_counter() - started) * 1000

    def explain(self, raw, sql, params):
        if self.vendor == "postgresql":
            raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in raw.fetchall())
            shown = raw.mogrify(sql, params) if hasattr(raw, "mogrify") else f"{sql}\n-- params: {params!r}"
            scans = bool(PG_SEQ_SCAN.search(plan))
        else:
            raw.execute("EXPLAIN QUERY PLAN " + sql, params or ())
            depth, lines = {0: -1}, []
            for node, parent, _, detail in raw.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            plan = "\n".join(lines)
            shown = f"{sql}\n-- params: {list(params or ())!r}"
            scans = any(SQLITE_SCAN.match(line.strip()) for line in lines) and (
                not LIMIT.search(sql) or any(line.strip().startswith("USE TEMP B-TREE") for line in lines)
            )
        return {"sql_raw": sql, "sql": str(shown), "plan": plan, "jobs_seq_scan": scans}


def pages_to_explain(terms, size, technician_id):
    pages = max(1, -(-size // 25))
    week_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 7 * 86400))
    today = time.strftime("%Y-%m-%d", time.gmtime())
    listed = [
        ("Logbook page 1", "/"),
        (f"Logbook page {min(2000, pages):,}", f"/?page={min(2000, pages)}"),
        (f"Logbook last page ({pages:,})", f"/?page={pages}"),
        ("Logbook page 2", "/?page=2"),
        ("Status tab: Received", "/?status=received"),
        ("Status tab: Ready for pickup", "/?status=ready"),
        ("Status tab: Released, page 2", "/?status=released&page=2"),
        ("Technician filter", f"/?technician={technician_id}"),
        ("Not assigned filter", "/?technician=none"),
        ("Received in the last week", f"/?received_from={week_ago}&received_to={today}"),
        ("Oldest first", "/?sort=received"),
        ("Control number, high to low", "/?sort=-number"),
        ("Control number, low to high", "/?sort=number"),
    ]
    listed += [(f"Search '{t['term']}' ({t['kind']})", f"/?q={urllib.parse.quote(t['term'])}") for t in terms]
    if terms:
        common = next((t["term"] for t in terms if t["kind"] == "brand"), terms[0]["term"])
        listed += [
            (f"Search '{common}', page 40", f"/?q={urllib.parse.quote(common)}&page=40"),
            (f"Search '{common}', Released tab", f"/?q={urllib.parse.quote(common)}&status=released"),
            (f"Search '{common}', oldest first", f"/?q={urllib.parse.quote(common)}&sort=received"),
        ]
    return listed


def explain(*, out, terms, kind, size):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    users = get_user_model().objects
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(users.get(username="bench-manager"))
    technician = users.get(username="bench-tech")
    recorder = PlanRecorder(connection.vendor)
    report = [
        f"# EXPLAIN of the logbook and search pages, {kind}, {size:,} items",
        "",
        "Every SELECT of each page, as the page runs it (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on "
        "SQLite), cache bypassed. 'ms' is the page's time in this process (median of "
        f"{TIMED_RUNS} runs, after the one that took the plans); **SEQ SCAN** marks a query that reads all of "
        f"`{JOBS_TABLE}`: on PostgreSQL a Seq Scan node, on SQLite a SCAN of it (by rowid or an index) that no "
        "LIMIT stops or whose rows are sorted first.",
        "",
        "| page | status | ms | queries | sequential scan of the jobs table |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    details, seq_scans, timings = [], [], {}
    with connection.execute_wrapper(recorder):
        for label, path in pages_to_explain(terms, size, technician.pk):
            separator = "&" if "?" in path else "?"
            recorder.queries, recorder.active = [], True
            response = client.get(f"{path}{separator}_={secrets.token_hex(6)}")
            recorder.active = False
            queries = recorder.queries
            runs = []
            for _ in range(TIMED_RUNS):
                started = time.perf_counter()
                client.get(f"{path}{separator}_={secrets.token_hex(6)}")
                runs.append((time.perf_counter() - started) * 1000)
            ms = statistics.median(runs)
            timings[label] = round(ms, 2)
            scanned = any(query["jobs_seq_scan"] for query in queries)
            if scanned:
                seq_scans.append(label)
            report.append(
                f"| {label} | {response.status_code} | {ms:.1f} | {len(queries)} | {'**SEQ SCAN**' if scanned else 'no'} |"
            )
            details += [f"## {label}", "", f"`GET {path}` answered {response.status_code} in {ms:.1f} ms.", ""]
            for number, query in enumerate(queries, 1):
                sql = query["sql"] if len(query["sql"]) < 4000 else query["sql"][:4000] + " …"
                flag = " **SEQ SCAN of the jobs table**" if query["jobs_seq_scan"] else ""
                details += [
                    f"Query {number} ({query.get('ms', 0):.2f} ms){flag}:",
                    "",
                    "```sql",
                    sql,
                    "```",
                    "",
                    "```",
                    query["plan"],
                    "```",
                    "",
                ]
    report += ["", f"Pages with a sequential scan of the jobs table: {len(seq_scans)} of {len(timings)}.", ""]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text("\n".join(report + details))
    print(json.dumps({"out": out, "seq_scans": seq_scans, "timings": timings}))
