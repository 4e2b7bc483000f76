"""Service due at scale: N pieces of gear (half as many customers), their clocks, the due list, the CSV, a day's planning.

Run on an EMPTY, migrated database (never the shop's): it adds N pieces and a user "benchdesk".
    DATABASE_URL=sqlite:////tmp/sd.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/sd.sqlite3 BENCH_N=100000 .venv/bin/python manage.py shell < bench/service_due.py
"""

import datetime
import os
import random
import time

from django.contrib.auth.models import Group
from django.test import Client
from django.test.utils import setup_test_environment

from accounts.models import User
from customers import search
from customers.models import Customer, Equipment, EquipmentType
from maintenance import services
from maintenance.models import EquipmentClock

setup_test_environment()  # so that responses carry their context
N = int(os.environ.get("BENCH_N", "100000"))
random.seed(7)
kinds = {k.name: k for k in EquipmentType.objects.all()}
names = ["Regulator", "BCD", "Cylinder", "Dive computer", "Drysuit", "Wetsuit"]
today = datetime.date.today()
t = time.perf_counter()


def gear(i):
    """Customer i's two pieces as their search document lists them (Customer.build_search_document)."""
    return [part for n in (2 * i, 2 * i + 1) for part in (names[n % 6], "Apeks", "XTX50", f"S{n:07d}")]


Customer.objects.bulk_create(
    [
        Customer(
            name=f"Diver {i}",
            email=f"d{i}@example.com",
            search_document=search.document(f"Diver {i}", f"d{i}@example.com", *gear(i)),
            consent=i % 10 != 0,
            consent_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) if i % 10 else None,
        )
        for i in range(N // 2)
    ],
    batch_size=5000,
)
ids = list(Customer.objects.values_list("pk", flat=True))
Equipment.objects.bulk_create(
    [
        Equipment(
            owner_id=ids[i // 2],
            kind=kinds[names[i % 6]],
            brand="Apeks",
            model="XTX50",
            serial_number=f"S{i:07d}",
            purchased_on=today - datetime.timedelta(days=random.randint(0, 2000)),
        )
        for i in range(N)
    ],
    batch_size=5000,
)
print(f"loaded {N} pieces in {time.perf_counter() - t:.1f}s")
t = time.perf_counter()
created = services.fill_missing_clocks()
print(f"fill_missing_clocks: {created} clocks in {time.perf_counter() - t:.1f}s")
t = time.perf_counter()
again = services.fill_missing_clocks()
print(f"fill_missing_clocks again (nothing missing): {again} in {(time.perf_counter() - t) * 1000:.0f} ms")
u = User.objects.create_user("benchdesk", "b@example.com", "x")
u.groups.add(Group.objects.get(name="Managers"))
c = Client()
c.force_login(u)


def timed(label, fn, n=7):
    fn()
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t) * 1000)
    xs.sort()
    print(f"{label}: median {xs[n // 2]:.1f} ms")


r = c.get("/service-due/")
print("due list status", r.status_code, r.context["paginator"].count, "clocks due")
timed("due list page 1", lambda: c.get("/service-due/"))
last = c.get("/service-due/").context["paginator"].num_pages
timed(f"due list last page ({last})", lambda: c.get(f"/service-due/?page={last}"))
timed(
    "due list, one clock, 2 weeks",
    lambda: c.get(f"/service-due/?weeks=2&clock={EquipmentClock.objects.values_list('clock', flat=True).first()}"),
)


def export():
    b"".join(c.get("/service-due/export.csv").streaming_content)


timed("CSV export of the default list", export, n=3)
timed(
    "daily run, planning only (dry run, 40 pieces a week)",
    lambda: services.send_service_reminders(day=today, dry_run=True),
    n=3,
)
