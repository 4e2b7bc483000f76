"""More than one machine, on one machine: two app servers behind HAProxy, sharing PostgreSQL and Redis.

    python bench/run.py --cluster --items 100000 --database-url postgres://postgres@127.0.0.1:5432/sc_bench

Starts, all on 127.0.0.1: two gunicorn app servers (each as `make serve` runs it), a task worker beside each on
RQ (TASK_BACKEND=rq), and two HAProxy front ends from Debian's package, one sending everything to the first app
server, one balancing over both. It checks that what the servers share works across them (a session made on
one is good on the other, failed logins counted on both lock the account, a page cached by one is served by the
other, a take-in on one shows on the other at once, tasks queued anywhere run once on some worker), then
measures throughput through one and through two app servers in interleaved rounds.

On a machine with 2 cores the second app server has no CPU of its own to add: what it can show here is that the
shared state holds, and what a second server costs or saves when the cores are the limit.
"""

import datetime
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from run import (
    BENCH,
    ROOT,
    Ports,
    Probe,
    Server,
    access_times,
    fetch,
    fresh_database,
    gunicorn,
    log_in,
    login_body,
    median,
    post,
    run_child,
    site_env,
    size_url,
    take_in_body,
)

HAPROXY = """global
    maxconn 4000

defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 90s
    timeout server 90s

frontend web
    bind 127.0.0.1:{port}
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    http-response set-header X-Served-By %[srv_name]
{servers}
"""


class Balancer(Server):
    """HAProxy in front of some app servers; its access lines are theirs."""

    def __init__(self, name, backends, *, port, folder):
        self.backends = backends
        servers = "\n".join(f"    server {b.name} 127.0.0.1:{b.port} check inter 2s fall 2 rise 1" for b in backends)
        config = folder / f"{name}.cfg"
        config.write_text(HAPROXY.format(port=port, servers=servers))
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        super().__init__(name, [haproxy, "-db", "-f", str(config)], env=dict(os.environ), cwd=folder, port=port,
                         log_path=folder / f"{name}.log")  # fmt: skip

    def mark(self):
        return [backend.mark() for backend in self.backends]

    def since(self, mark):
        return [line for backend, start in zip(self.backends, mark, strict=True) for line in backend.since(start)]


def served_by(url, cookie=None):
    text, headers = fetch(url, cookie)
    return headers.get("X-Served-By"), text


def check_sessions(lb, cookie):
    servers, shown = [], 0
    for _ in range(10):
        server, text = served_by(lb.base + "/?_=" + secrets.token_hex(4), cookie)
        servers.append(server)
        shown += 'name="q"' in text  # the logbook's search box: only a logged-in member of staff gets it
    ok = shown == 10 and len(set(servers)) == 2
    return ("A session made through the balancer is good on both app servers",
            f"10 logbook pages: {servers.count('app1')} from app1, {servers.count('app2')} from app2, {shown} logged in",
            ok)  # fmt: skip


def check_throttle(lb, app1, app2):
    """Wrong passwords sent to each app server in turn, then the right one through the balancer."""
    user = "bench-clerk"
    for server in (app1, app2, app1, app2, app1):
        cookie, body = login_body(server.base, user, password="wrong-" + secrets.token_hex(6))
        post(server.base + "/accounts/login/", body, cookie)
    cookie, body = login_body(lb.base, user)
    status, headers, _ = post(lb.base + "/accounts/login/", body, cookie)
    return ("Failed logins counted on both servers lock the account (throttle in Redis)",
            f"5 wrong passwords (3 to app1, 2 to app2), then the right one: {status} from "
            f"{headers.get('X-Served-By')} (429: locked)", status == 429)  # fmt: skip


def check_cache(app1, app2, cookie):
    path = "/?_=" + secrets.token_hex(6)
    marks = app1.mark(), app2.mark()
    fetch(app1.base + path, cookie)
    fetch(app2.base + path, cookie)
    time.sleep(0.3)
    first, second = access_times(app1.since(marks[0]), "GET", "/"), access_times(app2.since(marks[1]), "GET", "/")
    ok = bool(first and second) and second[-1] < first[-1]
    return ("A page rendered by one server is served from the shared cache by the other",
            f"logbook page 1, new cache key: {first[-1] if first else '?'} ms on app1 (rendered), "
            f"{second[-1] if second else '?'} ms on app2 (from Redis)", ok)  # fmt: skip


def check_take_in(app1, app2, cookie):
    body = take_in_body(app1.base, cookie).replace("{uuid}", f"{secrets.token_hex(4)}-0000-4000-8000-000000000001")
    body = body.replace("Bench+Customer", "Cluster+Check")
    status, headers, _ = post(app1.base + "/items/new/", body, cookie)
    number = (headers.get("Location") or "").rstrip("/").rsplit("/", 1)[-1]
    text, _ = fetch(app2.base + "/", cookie)  # page 1 as it may already be cached: the revision must move
    ok = status == 302 and number and number in text
    return ("A take-in on one server shows at once in the other's (cached) logbook",
            f"POST on app1 answered {status} ({number}); app2's page 1 {'lists' if number in text else 'misses'} it",
            bool(ok))  # fmt: skip


def check_tasks(env, workers, count=20):
    result = run_child("enqueue", env, count)
    deadline = time.time() + 60
    while time.time() < deadline:
        done = run_child("task-results", env, result["run"])
        if len(done["ran"]) >= count:
            break
        time.sleep(1)
    by_worker = {name: sum(1 for pids in done["ran"].values() if worker.pid in pids)
                 for name, worker in workers.items()}  # fmt: skip
    ok = len(done["ran"]) == count and done["runs"] == count and all(by_worker.values())
    return ("Tasks queued on RQ run once each, on the workers of both machines",
            f"{count} queued, {len(done['ran'])} ran ({done['runs']} runs): "
            + ", ".join(f"{n} by the worker beside {name}" for name, n in by_worker.items()), ok)  # fmt: skip


def check_ready(lb):
    answers = []
    for _ in range(2):
        server, text = served_by(lb.base + "/readyz")
        answers.append(f"{server}: {json.loads(text)['status']}")
    return ("/readyz on both servers: database, cache and the RQ queue answer", ", ".join(answers),
            all(a.endswith("ok") for a in answers))  # fmt: skip


def run_cluster(args):
    if not args.database_url.startswith("postgres") or args.redis_url == "none":
        sys.exit(
            "--cluster needs PostgreSQL (--database-url postgres://...) and Redis (--redis-url): they are shared."
        )
    size = args.sizes[-1]
    url = size_url(args.database_url, size)
    fresh_database(url, reuse=args.reuse_database)
    pythonpath = os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")]))
    env = site_env(url, args.redis_url, TASK_BACKEND="rq", TRUSTED_PROXY_COUNT="1", PYTHONPATH=pythonpath)
    print(f"== cluster: preparing {size:,} items ({url})", flush=True)
    prepared = run_child("prepare", env, size)
    terms = run_child("terms", env, 12)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    ports = Ports(args.ports)
    work = Path(tempfile.mkdtemp(prefix="sc-cluster-"))
    processes, rounds, checks = [], [], []
    try:
        apps = {}
        for name in ("app1", "app2"):
            apps[name] = gunicorn(name, "service_center.wsgi", env=env, cwd=ROOT, port=ports.take(),
                                  log_path=work / f"{name}.log")  # fmt: skip
            processes.append(apps[name])
        workers = {}
        for name in apps:
            with (work / f"worker-{name}.log").open("w") as log:
                workers[name] = subprocess.Popen([sys.executable, "-m", "service_center.worker"], cwd=ROOT, env=env,
                                                 stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        one = Balancer("one-server", [apps["app1"]], port=ports.take(), folder=work)
        two = Balancer("two-servers", [apps["app1"], apps["app2"]], port=ports.take(), folder=work)
        processes += [one, two]
        time.sleep(3)  # HAProxy's first health checks
        cookie, _, _ = log_in(two.base)
        print("== shared state across the two app servers", flush=True)
        checks = [
            check_sessions(two, cookie),
            check_throttle(two, apps["app1"], apps["app2"]),
            check_cache(apps["app1"], apps["app2"], cookie),
            check_take_in(apps["app1"], apps["app2"], cookie),
            check_tasks(env, workers),
            check_ready(two),
        ]
        for name, value, ok in checks:
            print(f"  {'ok ' if ok else 'NO '} {name}: {value}", flush=True)
        terms_file = work / "terms.txt"
        terms_file.write_text("".join(f"/?q={urllib.parse.quote(t['term'])}\n" for t in terms))
        probes = [
            Probe("healthz", "/healthz", "/healthz", anonymous=True),
            Probe("page1_cached", "Logbook page 1, cached", "/"),
            Probe("page1", "Logbook page 1, NOT cached", "/", unique=True),
            Probe("search", "Search, NOT cached (a new term each time)", "/", unique=True, paths=terms_file),
        ]
        light_seconds = max(1, args.duration // 2)
        for number in range(args.rounds):
            load = os.getloadavg()[0]
            print(f"== round {number + 1} of {args.rounds} (load {load:.2f})", flush=True)
            results = {}
            order = (one, two) if number % 2 == 0 else (two, one)
            for probe in probes:
                for balancer in order:
                    print(f"  {balancer.name:>11} {probe.label}", flush=True)
                    results.setdefault(probe.key, {})[balancer.name] = probe.run(
                        balancer, cookie=cookie, duration=args.duration, connections=args.connections,
                        light_seconds=light_seconds,
                    )  # fmt: skip
            rounds.append({"load": [load, os.getloadavg()[0]], "results": results, "probes": probes})
    finally:
        for worker in locals().get("workers", {}).values():
            worker.terminate()
            worker.wait(timeout=30)
        for process in reversed(processes):
            process.stop()
    print(write_cluster_report(args, size, prepared, checks, rounds))


def write_cluster_report(args, size, prepared, checks, rounds):
    date = f"{datetime.date.today():%Y-%m-%d}"
    loads = [value for r in rounds for value in r["load"]]
    lines = [
        f"# Two app servers behind HAProxy, {date}",
        "",
        f"PostgreSQL with {size:,} items and Redis, both shared; each app server is gunicorn as `make serve` runs it "
        f"({os.environ.get('WEB_CONCURRENCY', 'default')} workers: 2 per core + 1), with a task worker beside it on "
        f"RQ; HAProxy balances round-robin and checks `/healthz`. All on one machine with "
        f"{os.cpu_count()} cores; load average {min(loads, default=0):.2f}–{max(loads, default=0):.2f} during the "
        f"rounds. {args.rounds} interleaved rounds, medians; wrk at {args.connections} connections for "
        f"{args.duration} s, server time at 1 connection from the app servers' access lines.",
        "",
        "## Shared state across the servers",
        "",
        "| check | what happened | works |",
        "| --- | --- | --- |",
        *[f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in checks],
        "",
        "## Throughput through the balancer",
        "",
        "| probe | 1 app server: req/s, p50 server ms | 2 app servers: req/s, p50 server ms | 2 / 1 |",
        "| --- | ---: | ---: | ---: |",
    ]
    for probe in rounds[0]["probes"] if rounds else []:
        cells = {}
        for name in ("one-server", "two-servers"):
            values = [r["results"][probe.key][name] for r in rounds]
            cells[name] = (median(v["rps"] for v in values), median(v["server_p50"] for v in values))
        (rps1, ms1), (rps2, ms2) = cells["one-server"], cells["two-servers"]
        lines.append(
            f"| {probe.label} | {rps1:.1f}, {ms1 or 0:.1f} ms | {rps2:.1f}, {ms2 or 0:.1f} ms | {rps2 / rps1:.2f}× |"
        )
    lines += [
        "",
        f"With {os.cpu_count()} cores for both app servers, PostgreSQL, Redis, HAProxy and wrk, the second server "
        "adds processes but no CPU: the cores were already busy with one server's workers, so throughput stays "
        "about the same (a little lower when ten workers contend where five did). On separate machines each "
        "server brings its own cores; what this run shows is that nothing in the site keeps state in one "
        "process: sessions, login counters, the page cache, the logbook revision and the task queue live in "
        "PostgreSQL and Redis, so any server can answer any request.",
        "",
        f"Loading: {prepared['added']:,} items in {prepared['seconds']} s.",
        "",
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{date}-cluster.md"
    path.write_text("\n".join(lines))
    return f"Wrote {path}\n\n" + "\n".join(lines)
