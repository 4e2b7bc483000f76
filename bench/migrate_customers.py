"""Time core migration 0006 (customers from the items' plain fields) on a database shaped like production.

    python bench/migrate_customers.py --items 100000                     # SQLite, in a temporary folder
    python bench/migrate_customers.py --items 1000000 --backward \\
        --database-url postgres://postgres@127.0.0.1:5432/sc_migbench      # PostgreSQL, a database of its own

Every run starts from an empty database of its own (dropped and made again; never the site's): `migrate`, then
`migrate core 0004` (the items still carry the customer's name, phone and email, and the piece's type, brand,
model and serial as plain fields), then N old-shaped items inserted directly (executemany on SQLite, COPY on
PostgreSQL). The data look like a shop's years: about 0.35 N different customers of whom a third come back, each
typing their phone another way at each visit ("(202) 555-0143", "202.555.0143", "+1 202 555 0143", ...), 5% with
no readable phone but an email (in varying case), pieces with a serial number 80% of the time, a few pieces sold
from one customer to another, a few item types nobody listed.

Then `manage.py migrate core 0007` is timed in a child process (wall time and that process's peak memory, from
wait4's resource usage), the counts are checked, and with --backward `migrate core 0004` is timed the same way.
Only 127.0.0.1 is contacted. The database is dropped at the end unless --keep.
"""

import argparse
import datetime
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREAS = ["202", "212", "305", "312", "415", "503", "617", "702", "808", "907"]
FIRST = ["Ana", "Ben", "Carla", "Dev", "Elif", "Femi", "Gao", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Mateo"]
LAST = ["Reyes", "Okafor", "Novak", "Lindqvist", "Haddad", "Tanaka", "Moreau", "Silva", "Kowalski", "Byrne"]
GEAR = [
    ("Regulator", "Apeks", "XTX50"),
    ("regulator", "Scubapro", "MK25 EVO/S620Ti"),
    ("BCD", "Aqualung", "Pro HD"),
    ("Dive computer", "Shearwater", "Perdix 2"),
    ("Dive computer", "Suunto", "D5"),
    ("Cylinder", "Faber", "12L 232 bar"),
    ("Drysuit", "Santi", "E.Lite"),
    ("Camera housing", "Nauticam", "NA-A7IV"),  # a type nobody put in the list
    ("", "Mares", "Abyss 22"),
]
FAULTS = ["Annual service", "Free flow at depth", "IP creep", "Hydro test due", "Battery swap", "Zip leaking"]
PHONE_FORMS = [
    "({a}) {b}-{c}",
    "{a}.{b}.{c}",
    "+1 {a} {b} {c}",
    "{a}{b}{c}",
    "{a}-{b}-{c}",
    "1 ({a}) {b} {c}",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="postgres://…/<own name>; SQLite in a temp dir if none")
    parser.add_argument("--backward", action="store_true", help="Also time migrating back to core 0004.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sc-migbench-"))
    url = args.database_url or f"sqlite:///{workdir}/migbench.sqlite3"
    postgres = url.startswith("postgres")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "off", "REQUIRE_2FA_FOR_STAFF": "off"}
    env.pop("REDIS_URL", None)
    try:
        if postgres:
            recreate_postgres(url)
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "migrate", "core", "0004", "--no-input", "-v0")
        started = time.perf_counter()
        expected = insert_items(url, args.items, random.Random(args.seed))
        inserted = time.perf_counter() - started
        print(f"inserted {args.items:,} items in {inserted:.1f} s", flush=True)
        result = {"database": "PostgreSQL" if postgres else "SQLite", "items": args.items, "insert_s": inserted}
        result["forward_s"], result["forward_peak_mb"] = timed(env, "migrate", "core", "0007", "--no-input", "-v2")
        result["counts"] = check(url, args.items, expected)
        if args.backward:
            result["backward_s"], result["backward_peak_mb"] = timed(env, "migrate", "core", "0004", "--no-input")
            result["forward_again_s"], result["forward_again_peak_mb"] = timed(env, "migrate", "core", "0007")
            again = check(url, args.items, expected)
            assert again == result["counts"], ("a second forward run made other records", again)
        print(json.dumps(result, indent=2))
    finally:
        if postgres and not args.keep:
            drop_postgres(url)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def manage(env, *argv):
    subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=env, check=True)


def timed(env, *argv):
    """Wall time and peak resident memory (MB) of one manage.py run, measured from outside it."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "manage.py", *argv], cwd=ROOT, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode:
        sys.exit(f"manage.py {' '.join(argv)} failed ({process.returncode})")
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    print(f"{' '.join(argv[:3])}: {elapsed:.1f} s, peak {peak_mb:.0f} MB", flush=True)
    return round(elapsed, 1), round(peak_mb)


def admin_url(url):
    parsed = urllib.parse.urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        sys.exit("Only a database on 127.0.0.1 is used.")
    name = parsed.path.lstrip("/")
    if name in ("service_center", "postgres") or name.startswith(("template", "test_")):
        sys.exit(f"Refusing to empty the database {name!r}: give the benchmark its own.")
    return parsed._replace(path="/postgres", scheme="postgresql").geturl(), name


def recreate_postgres(url):
    import psycopg

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_postgres(url):
    import psycopg

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def connect(url):
    if url.startswith("postgres"):
        import psycopg

        return psycopg.connect(url.replace("postgres://", "postgresql://", 1))
    import sqlite3

    return sqlite3.connect(urllib.parse.urlparse(url).path)


def phone_of(number, rng):
    """The customer's number as typed at one visit: the same ten digits, another way each time."""
    digits = f"{AREAS[number % len(AREAS)]}{5550000 + number // len(AREAS):07d}"
    return rng.choice(PHONE_FORMS).format(a=digits[:3], b=digits[3:6], c=digits[6:])


def rows(count, rng):
    """The old-shaped items, oldest first, and what the migration must make of them."""
    customers = max(1, int(count * 0.35))
    regulars = max(1, customers // 3)
    start = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)
    step = datetime.timedelta(days=6 * 365) / max(count, 1)
    for index in range(count):
        # Every customer's first visit comes first in its share; the rest are regulars coming back.
        customer = index * customers // count if index % 3 == 0 or count < 3 else rng.randrange(regulars)
        if rng.random() < 0.002:  # a piece bought from another customer
            owner, piece = (customer + 7919) % customers, 0
        else:
            owner, piece = customer, rng.randrange(1 + customer % 3)
        name = f"{FIRST[customer % len(FIRST)]} {LAST[customer // len(FIRST) % len(LAST)]} {customer}"
        if customer % 20 == 0:  # no readable phone, but an email, typed in any case
            phone = rng.choice(["", "n/a", "ask at desk"])
            email = f"Diver{customer}@Example.com" if rng.random() < 0.5 else f"diver{customer}@example.com"
        else:
            phone = phone_of(customer, rng)
            email = f"diver{customer}@example.com" if customer % 2 else ""
        kind, brand, model = GEAR[(owner + piece) % len(GEAR)]
        serial = f"{brand[:2].upper()}{owner:07d}{piece}" if (owner * 5 + piece) % 10 < 8 else ""
        yield (
            name, phone, email, f"{brand} {model}", kind, brand, model, serial, rng.choice(FAULTS), "",
            start + index * step,
        )  # fmt: skip


def insert_items(url, count, rng):
    now = datetime.datetime.now(datetime.UTC)
    with connect(url) as conn:
        cursor = conn.cursor()
        postgres = url.startswith("postgres")
        mark = "%s" if postgres else "?"
        cursor.execute(
            "INSERT INTO accounts_user (password, is_superuser, first_name, last_name, is_staff, is_active, "
            "date_joined, username, email, email_verified, pending_email) "
            f"VALUES ('!', {mark}, '', '', {mark}, {mark}, {mark}, 'migbench', 'migbench@example.com', {mark}, '')",
            [False, False, True, now, False],
        )
        cursor.execute("SELECT id FROM accounts_user WHERE username = 'migbench'")
        clerk = cursor.fetchone()[0]
        columns = (
            "customer_name, customer_phone, customer_email, item, item_type, brand, model, serial_number, "
            "requested_service, accessories, received_at, status, priority, created_at, updated_at, version, "
            "intake_token, received_by_id"
        )
        tail = ("released", "normal", now, now, 1)
        if postgres:
            with cursor.copy(f"COPY core_serviceitem ({columns}) FROM STDIN") as copy:
                for row in rows(count, rng):
                    copy.write_row((*row, *tail, uuid.uuid4(), clerk))
        else:
            cursor.executemany(
                f"INSERT INTO core_serviceitem ({columns}) VALUES ({', '.join('?' * 18)})",
                ((*row[:10], naive(row[10]), *tail[:2], naive(now), naive(now), 1, uuid.uuid4().hex, clerk)
                 for row in rows(count, rng)),
            )  # fmt: skip
        conn.commit()
    return count


def naive(moment):
    """As Django keeps an aware datetime in SQLite: UTC, without the offset."""
    return moment.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")


def check(url, count, expected):
    """Every job linked; the records' counts (equal on a second forward run, which must reuse them)."""
    with connect(url) as conn:
        cursor = conn.cursor()

        def one(sql):
            cursor.execute(sql)
            return cursor.fetchone()[0]

        counts = {
            "jobs": one("SELECT COUNT(*) FROM core_serviceitem"),
            "jobs_without_search_text": one("SELECT COUNT(*) FROM core_serviceitem WHERE search_document = ''"),
            "customers": one("SELECT COUNT(*) FROM customers_customer"),
            "returning_customers": one(
                "SELECT COUNT(*) FROM (SELECT customer_id FROM core_serviceitem GROUP BY customer_id "
                "HAVING COUNT(*) > 1) AS coming_back"
            ),
            "phones": one("SELECT COUNT(*) FROM customers_customerphone"),
            "equipment": one("SELECT COUNT(*) FROM customers_equipment"),
            "ownerships": one("SELECT COUNT(*) FROM customers_ownership"),
            "pieces_sold": one(
                "SELECT COUNT(DISTINCT equipment_id) FROM customers_ownership WHERE ended_at IS NOT NULL"
            ),
            "equipment_types": one("SELECT COUNT(*) FROM customers_equipmenttype"),
        }
    print(json.dumps(counts), flush=True)
    assert counts["jobs"] == expected == count, counts
    assert counts["jobs_without_search_text"] == 0, counts
    return counts


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
