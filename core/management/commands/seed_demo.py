"""Fill the logbook with made-up but realistic items, and one staff account in each group."""

import datetime
import random
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.models import TRANSITIONS, LogbookRevision, Priority, ServiceEvent, ServiceItem, Status
from service_center.roles import FRONT_DESK, MANAGERS, TECHNICIANS

FIRST = [
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Elif",
    "Femi",
    "Gao",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tomas",
    "Uma",
]
LAST = [
    "Reyes",
    "Okafor",
    "Novak",
    "Lindqvist",
    "Haddad",
    "Tanaka",
    "Moreau",
    "Silva",
    "Kowalski",
    "Byrne",
    "Osei",
    "Fischer",
    "Costa",
    "Ng",
    "Varga",
]
CATALOGUE = [
    ("Regulator first stage", "Regulator", ["Apeks", "Scubapro", "Aqualung", "Mares"], "Annual service, free-flows"),
    ("Regulator second stage", "Regulator", ["Apeks", "Scubapro", "Atomic"], "Breathing hard at depth"),
    ("BCD", "BCD", ["Cressi", "Mares", "Hollis"], "Inflator sticks, slow leak"),
    ("Dive computer", "Computer", ["Shearwater", "Suunto", "Garmin"], "Battery and pressure test"),
    ("Drysuit", "Exposure", ["Santi", "DUI", "Waterproof"], "Neck seal replacement"),
    ("Laptop", "Laptop", ["Lenovo", "Dell", "HP", "Apple"], "Does not power on"),
    ("Phone", "Phone", ["Samsung", "Apple", "Google"], "Cracked screen"),
    ("Coffee machine", "Appliance", ["DeLonghi", "Breville", "Siemens"], "Leaks water, descale"),
    ("Vacuum cleaner", "Appliance", ["Dyson", "Miele", "Bosch"], "Loses suction"),
]
ACCESSORIES = ["", "", "Case", "Charger", "Case, charger", "Hose, gauge", "Manual, box"]
# The path most items take through the workflow; where each stops depends on its age.
PATH = [Status.RECEIVED, Status.DIAGNOSING, Status.WAITING_PARTS, Status.IN_REPAIR, Status.READY, Status.RELEASED]


class Command(BaseCommand):
    help = "Fill the database with demo staff accounts and N realistic service items with history."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=500, help="How many items to create (default 500).")
        parser.add_argument("--batch-size", type=int, default=2000, help="Items written per batch.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, items, batch_size, seed, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo writes made-up data; with DEBUG off it needs --force.")
        if items < 0 or batch_size < 1:
            raise CommandError("--items must be 0 or more and --batch-size 1 or more.")
        rng = random.Random(seed)  # noqa: S311 (made-up demo data, repeatable by --seed; no secret)
        staff = self.create_staff()
        technicians = [user for user, group in staff if group == TECHNICIANS]
        clerks = [user for user, group in staff if group != TECHNICIANS]
        now = timezone.now()
        done = 0
        while done < items:
            size = min(batch_size, items - done)
            with transaction.atomic():
                self.create_batch(rng, size, now, clerks, technicians)
            done += size
            self.stdout.write(f"  {done:,} / {items:,} items")
        self.stdout.write(self.style.SUCCESS(f"Done: {items:,} items. Log in at {settings.SITE_URL}/accounts/login/"))

    def create_staff(self):
        user_model = get_user_model()
        staff = []
        self.stdout.write("Demo staff accounts (passwords are new each run):")
        for username, group in [
            ("frontdesk", FRONT_DESK),
            ("tech", TECHNICIANS),
            ("tech2", TECHNICIANS),
            ("manager", MANAGERS),
        ]:
            user, _ = user_model.objects.get_or_create(
                username=username, defaults={"email": f"{username}@demo.invalid", "first_name": username.title()}
            )
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.is_active = True
            user.is_staff = group == MANAGERS
            user.save()
            user.groups.add(Group.objects.get(name=group))
            staff.append((user, group))
            self.stdout.write(f"  {username:<10} {group:<12} {password}")
        return staff

    def create_batch(self, rng, size, now, clerks, technicians):
        items, steps = [], []
        for _ in range(size):
            name, kind, brands, fault = rng.choice(CATALOGUE)
            age = datetime.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
            received_at = now - age
            # Older items are further along; a few are cancelled.
            stage = min(len(PATH) - 1, int(age.days / 6) + rng.randint(-1, 1)) if age.days else 0
            stage = max(stage, 0)
            status = Status.CANCELLED if stage and rng.random() < 0.03 else PATH[stage]
            items.append(
                ServiceItem(
                    customer_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    customer_phone=f"+1 555 {rng.randint(0, 9999):04d} {rng.randint(0, 999):03d}",
                    customer_email=rng.choice(["", f"customer{rng.randint(1, 99999)}@example.com"]),
                    item=name,
                    item_type=kind,
                    brand=rng.choice(brands),
                    model=f"{rng.choice('ABCDEFGHX')}{rng.randint(10, 990)}",
                    serial_number=f"{rng.choice(['', '00', 'SN', 'X'])}{rng.randint(0, 10**8):08d}",
                    requested_service=fault,
                    accessories=rng.choice(ACCESSORIES),
                    received_at=received_at,
                    received_by=rng.choice(clerks),
                    assigned_to=rng.choice(technicians) if stage >= 2 else None,
                    status=status,
                    priority=rng.choices(Priority.values, weights=[2, 12, 3, 1])[0],
                    promised_on=(received_at + datetime.timedelta(days=rng.randint(3, 21))).date(),
                    version=stage + 1,
                )
            )
            steps.append(stage)
        ServiceItem.objects.bulk_create(items, batch_size=500)
        events = []
        for item, stage in zip(items, steps, strict=True):
            when = item.received_at
            events.append(
                ServiceEvent(item=item, actor=item.received_by, kind=ServiceEvent.Kind.CREATED, created_at=when)
            )
            path = PATH[: stage + 1] if item.status != Status.CANCELLED else [*PATH[:stage], Status.CANCELLED]
            for before, after in zip(path, path[1:], strict=False):
                if after not in TRANSITIONS[before]:
                    continue
                when += datetime.timedelta(hours=rng.randint(2, 48))
                events.append(
                    ServiceEvent(
                        item=item,
                        actor=item.assigned_to or item.received_by,
                        kind=ServiceEvent.Kind.STATUS,
                        created_at=min(when, timezone.now()),
                        changes={"Status": [str(before.label), str(after.label)]},
                    )
                )
        ServiceEvent.objects.bulk_create(events, batch_size=1000)
        LogbookRevision.bump()  # bulk_create sends no signals
