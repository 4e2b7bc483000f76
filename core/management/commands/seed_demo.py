"""Fill the site with a made-up dive shop: staff in each group, customers who come back with their gear, and jobs.

About half as many customers as jobs, and a third of them regulars who come back (two visits or more); each owns
one to three pieces (regulators, BCDs, dive computers, cylinders, drysuits) with their brand's kind of serial
number. Phone numbers are fictional ones in the shop's region (PHONENUMBER_DEFAULT_REGION): in the US and Canada
NXX-555-0100 to 0199, the range kept for fiction, then other 555 numbers. Every record it makes is marked by a
"created" history entry saying so, which is how --reset finds them again.
"""

import datetime
import math
import random
import secrets

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from core.models import TRANSITIONS, LogbookRevision, Priority, ServiceEvent, ServiceItem, Status
from customers import search
from customers import signals as customers_signals
from customers.models import (
    ConsentMethod,
    ContactChannel,
    Customer,
    CustomerEvent,
    CustomerPhone,
    Equipment,
    EquipmentType,
    Ownership,
    PhoneLabel,
)
from service_center.roles import FRONT_DESK, MANAGERS, TECHNICIANS

DEMO_NOTE = "Demo data made by seed_demo (manage.py seed_demo --reset removes it)."
FIRST = """Ana Ben Carla Dev Elif Femi Gao Hana Ivan Jade Kofi Lena Mateo Nia Omar Pia Quinn Rosa Sami Tomas
    Uma Wen Yusuf Zoe Aiko Bruno Chloe Diego Esther Farid Greta Hugo Ines Jonas Kira Luca Maya Noah Olga
    Priya""".split()  # noqa: SIM905 (a long list of words, read as words)
LAST = """Reyes Okafor Novak Lindqvist Haddad Tanaka Moreau Silva Kowalski Byrne Osei Fischer Costa Ng Varga
    Murphy Nakamura Petrov Alvarez Johansson Mensah Dubois Rossi Kim Santos OBrien Schmidt Patel Larsen
    Cohen""".split()  # noqa: SIM905 (a long list of words, read as words)
# (type, brand, model, serial format: # a digit, H a hex digit, A a letter), as a shop's bench sees them.
GEAR = [
    ("Regulator", "Apeks", "XTX50", "########"),
    ("Regulator", "Apeks", "MTX-RC", "########"),
    ("Regulator", "Scubapro", "MK25 EVO/S620Ti", "SP##-######"),
    ("Regulator", "Scubapro", "MK17 EVO2/A700", "SP##-######"),
    ("Regulator", "Aqualung", "Legend", "AL#######"),
    ("Regulator", "Mares", "Abyss 22 Navy", "MR########"),
    ("BCD", "Scubapro", "Hydros Pro", "HP#######"),
    ("BCD", "Aqualung", "Pro HD", "PHD######"),
    ("BCD", "Mares", "Quantum", "MQ#######"),
    ("BCD", "Apeks", "WTX-D30", "WTX######"),
    ("Dive computer", "Shearwater", "Perdix 2", "HHHHHHHH"),
    ("Dive computer", "Shearwater", "Teric", "HHHHHHHH"),
    ("Dive computer", "Suunto", "D5", "##########"),
    ("Dive computer", "Scubapro", "G2", "G2-########"),
    ("Cylinder", "Faber", "12 L steel, 232 bar", "FB######"),
    ("Cylinder", "Faber", "15 L steel, 232 bar", "FB######"),
    ("Cylinder", "Luxfer", "S80 aluminium", "P######"),
    ("Drysuit", "Santi", "E.Lite", "ST-####-####"),
    ("Drysuit", "Santi", "E.Motion+", "ST-####-####"),
    ("Drysuit", "DUI", "TLS350", "DUI######"),
]
# A piece's chance of having no serial number written down (older cylinders' stamps worn off, suits without tags).
NO_SERIAL = {"Regulator": 0.05, "BCD": 0.2, "Dive computer": 0.0, "Cylinder": 0.1, "Drysuit": 0.25}
FAULTS = {
    "Regulator": [
        "Annual service",
        "Free flow at depth on the second stage",
        "IP creep: first stage pressure keeps rising",
        "Service with o-ring kit, hoses checked",
        "Breathing hard below 30 m",
        "Hose bulging at the crimp, replace",
        "Sand in the first stage after a shore dive",
    ],
    "BCD": [
        "Inflator sticks, slow leak",
        "Dump valve leaking",
        "Bladder loses air overnight",
        "Annual service and inflator rebuild",
    ],
    "Dive computer": [
        "Battery swap and pressure test",
        "Battery swap",
        "Display fading",
        "Transmitter not pairing",
        "Moisture under the lens",
    ],
    "Cylinder": [
        "Hydro test due",
        "Visual inspection due (VIP)",
        "Valve service, hand wheel stiff",
        "Oxygen clean for nitrox",
        "Burst disc replacement",
    ],
    "Drysuit": [
        "Zip leaking",
        "Neck seal torn, replace with silicone",
        "Wrist seals perished",
        "Pinhole leak in the left leg",
        "Inflator valve service",
    ],
}
ITEM_TEXT = {
    "Regulator": ["", "", "First stage only", "First, second stage and octopus", "Set with SPG"],
    "BCD": ["", "", "With weight pockets"],
    "Dive computer": ["", "", "With transmitter"],
    "Cylinder": ["", "", "Valve only", "Twinset, both cylinders"],
    "Drysuit": ["", "", "With undersuit"],
}
ACCESSORIES = ["", "", "", "Dust cap", "Hose, SPG", "Valve protector", "Charging clip", "Bag", "Boots"]
CUSTOMER_NOTES = [
    "",
    "",
    "",
    "Cold-water diver: wants the cold-water kit on regulators",
    "Dives nitrox: keep the gear oxygen clean",
    "Keep the old parts for the customer",
    "Call before any work over $100",
    "Instructor: needs gear back before the weekend courses",
]
PIECE_NOTES = ["", "", "", "", "Bought second-hand", "Hydro test stamp 03/22", "Customer's spare set"]
# The path most jobs take through the workflow; where each stops depends on its age.
PATH = [Status.RECEIVED, Status.DIAGNOSING, Status.WAITING_PARTS, Status.IN_REPAIR, Status.READY, Status.RELEASED]
# Every customer's first visit, then the regulars' returns: customers are half as many as jobs, a third come back.
CUSTOMERS_PER_JOB = 0.5
NANP_AREAS = """202 212 213 303 305 312 404 415 503 512 602 617 702 713 808 907 206 215 310 314 401 402 406 410 412
    413 414 417 501 502 504 505 507 508 509 510 513 515 516 517 518 520 530 540 541 559 561 562 563 570
    571 573 574 580 585 586 601 603 605 606 607 608 609 610 612 614 615 616 618 619 620 623 626 630 631
    636 641 646 650 651 660 661 662 678 701 703 704 706 707 708 712 714 715 716 717 718 719 720 724 727
    731 732 734 740 754 757 760 763 765 770 772 773 774 775 781 785 786 801 802 803 804 805 806 810 812
    813 814 815 816 817 818 828 830 831 832 843 845 847 850 856 857 858 859 860 862 863 864 865 870 901
    903 904 906 908 909 910 912 913 914 915 916 917 918 919 920 925 928 931 936 937 940 941 947 949 951
    952 954 956 970 971 972 973 978 979 980 985 989""".split()  # noqa: SIM905 (a long list of words, read as words)


class Command(BaseCommand):
    help = (
        "Fill the database with demo staff accounts (passwords printed) and a dive shop's customers, gear and N "
        "jobs with history. --reset first removes the customers, gear and jobs an earlier seed_demo made (and "
        "nothing else); --reset=all removes EVERY job, customer and piece of equipment in the database first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=500, help="How many jobs to create (default 500).")
        parser.add_argument("--batch-size", type=int, default=2000, help="Jobs written per batch.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument(
            "--reset",
            nargs="?",
            const="demo",
            choices=["demo", "all"],
            help="Delete first: the demo customers, their gear and jobs made by an earlier run (--reset), or every "
            "job, customer and piece of equipment in the logbook, demo or not (--reset=all). Staff accounts and "
            "equipment types stay.",
        )

    def handle(self, *args, items, batch_size, seed, force, reset=None, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo writes made-up data; with DEBUG off it needs --force.")
        if items < 0 or batch_size < 1:
            raise CommandError("--items must be 0 or more and --batch-size 1 or more.")
        rng = random.Random(seed)  # noqa: S311 (made-up demo data, repeatable by --seed; no secret)
        if reset:
            self.reset(everything=reset == "all")
        staff = self.create_staff()
        shop = Shop(rng, items, staff)
        done = 0
        while done < items:
            size = min(batch_size, items - done)
            with transaction.atomic():
                shop.create_batch(done, size)
            done += size
            self.stdout.write(f"  {done:,} / {items:,} items")
        customers_signals.equipment_created_in_bulk.send(sender=type(self))
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {items:,} items for {shop.customer_count:,} customers. "
                f"Log in at {settings.SITE_URL}/accounts/login/"
            )
        )
        if settings.REQUIRE_2FA_FOR_STAFF:
            self.stdout.write(
                "Two-factor authentication is required for staff (REQUIRE_2FA_FOR_STAFF is on): at first login each "
                "demo account is asked to set it up with an authenticator app before going on. For a quick local "
                "look without one, put REQUIRE_2FA_FOR_STAFF=off in .env and restart the server."
            )

    def reset(self, *, everything):
        jobs, customers = ServiceItem.objects.all(), Customer.objects.all()
        if not everything:
            customers = customers.filter(events__kind=CustomerEvent.Kind.CREATED, events__note=DEMO_NOTE)
            jobs = jobs.filter(customer__in=customers)
        pieces = Equipment.objects.filter(owner__in=customers) if not everything else Equipment.objects.all()
        try:
            with transaction.atomic():
                removed = jobs.delete()[1].get(ServiceItem._meta.label, 0)
                pieces.delete()
                people = customers.delete()[1].get(Customer._meta.label, 0)
        except ProtectedError as error:
            raise CommandError(
                f"Nothing was deleted: {len(error.protected_objects)} invoices or payments (kept for good) hang on "
                "jobs --reset would delete. Start from an empty database instead (a new SQLite file, or dropdb)."
            ) from error
        LogbookRevision.bump()
        what = "jobs, customers and equipment" if everything else "demo jobs, customers and equipment"
        self.stdout.write(f"Deleted the {what}: {removed:,} jobs, {people:,} customers.")

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


class Shop:
    """The made-up shop's years: who comes in when, with what, and the rows that makes."""

    def __init__(self, rng, items, staff):
        self.rng = rng
        self.now = timezone.now()
        self.technicians = [user for user, group in staff if group == TECHNICIANS]
        self.clerks = [user for user, group in staff if group != TECHNICIANS]
        self.types = {
            name: EquipmentType.objects.get_or_create(name__iexact=name, defaults={"name": name})[0]
            for name in NO_SERIAL
        }
        # Who comes in at each visit, oldest first: a customer's first visit is the first time the index appears.
        customers = min(items, max(1, round(items * CUSTOMERS_PER_JOB)))
        regulars = min(math.ceil(customers / 3), items - customers)
        plan = [*range(customers), *range(regulars)]
        plan += [rng.randrange(regulars) for _ in range(items - len(plan))] if regulars else []
        rng.shuffle(plan)
        self.plan = plan
        self.customer_count = customers
        ages = sorted((rng.randint(0, 2 * 365 * 24 * 60) for _ in range(items)), reverse=True)
        self.received = [self.now - datetime.timedelta(minutes=age) for age in ages]
        self.known = {}  # customer index -> Known
        self.phones = self._fictional_phones(
            {number.as_e164 for number in CustomerPhone.objects.exclude(number=None).values_list("number", flat=True)}
        )
        self.serials = set(
            Equipment.objects.exclude(serial_number="")
            .annotate(b=Lower("brand"), s=Upper("serial_number"))
            .values_list("b", "s")
        )

    def create_batch(self, start, size):
        visits = range(start, start + size)
        new = [index for index in dict.fromkeys(self.plan[i] for i in visits) if index not in self.known]
        first_seen = {}
        for visit in visits:
            first_seen.setdefault(self.plan[visit], self.received[visit])
        self._create_customers([(index, first_seen[index]) for index in new])

        jobs, steps = [], []
        for visit in visits:
            customer = self.known[self.plan[visit]]
            piece = self.rng.choice(customer.pieces)
            received_at = self.received[visit]
            age = self.now - received_at
            # Older jobs are further along; a few are cancelled.
            stage = max(min(len(PATH) - 1, int(age.days / 6) + self.rng.randint(-1, 1)), 0) if age.days else 0
            status = Status.CANCELLED if stage and self.rng.random() < 0.03 else PATH[stage]
            jobs.append(
                ServiceItem(
                    customer_id=customer.pk,
                    equipment_id=piece.pk,
                    item=self.rng.choice(ITEM_TEXT[piece.kind]),
                    requested_service=self.rng.choice(FAULTS[piece.kind]),
                    accessories=self.rng.choice(ACCESSORIES),
                    received_at=received_at,
                    received_by=self.rng.choice(self.clerks),
                    assigned_to=self.rng.choice(self.technicians) if stage >= 2 else None,
                    status=status,
                    priority=self.rng.choices(Priority.values, weights=[2, 12, 3, 1])[0],
                    promised_on=(received_at + datetime.timedelta(days=self.rng.randint(3, 21))).date(),
                    version=stage + 1,
                )
            )
            steps.append((customer, piece, stage))
        ServiceItem.objects.bulk_create(jobs, batch_size=500)
        # The control number is the primary key, known only now: the search text is written after the rows.
        documents = [
            (
                search.document(
                    job.control_number,
                    customer.name,
                    customer.email,
                    piece.kind,
                    piece.brand,
                    piece.model,
                    piece.serial,
                    job.item,
                    job.requested_service,
                    phones=customer.phones,
                ),  # fmt: skip
                job.pk,
            )
            for job, (customer, piece, _) in zip(jobs, steps, strict=True)
        ]
        table = connection.ops.quote_name(ServiceItem._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET search_document = %s WHERE id = %s", documents)  # noqa: S608
        self._create_history(jobs, [stage for _, _, stage in steps])
        LogbookRevision.bump()  # bulk_create sends no signals

    def _create_customers(self, new):
        rng = self.rng
        customers, phones, events, pieces = [], [], [], []
        for index, since in new:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
            email = f"{first}.{last}{index}@example.com".lower() if rng.random() < 0.8 else ""
            numbers = [next(self.phones) for _ in range(2 if rng.random() < 0.08 else 1)]
            created_at = since - datetime.timedelta(minutes=rng.randint(1, 20))
            consent = rng.random() < 0.6
            channels = [ContactChannel.SMS, ContactChannel.PHONE] + ([ContactChannel.EMAIL] * 2 if email else [])
            owned = [self._piece(created_at) for _ in range(rng.choices([1, 2, 3], weights=[5, 3, 2])[0])]
            owned.sort(key=lambda piece: (piece.brand, piece.model))  # the order Equipment lists them in
            known = Known(name=name, email=email, phones=numbers, pieces=owned)
            customers.append(
                Customer(
                    name=name,
                    email=email,
                    notes=rng.choice(CUSTOMER_NOTES),
                    preferred_channel=rng.choice(channels),
                    consent=consent,
                    consent_at=created_at if consent else None,
                    consent_method=ConsentMethod.COUNTER if consent else "",
                    created_by=rng.choice(self.clerks),
                    created_at=created_at,
                    search_document=search.document(
                        name, email, *(part for piece in owned for part in piece.parts), phones=numbers
                    ),
                )
            )
            self.known[index] = known
        Customer.objects.bulk_create(customers, batch_size=500)
        for customer, (index, _) in zip(customers, new, strict=True):
            known = self.known[index]
            known.pk = customer.pk
            events.append(
                CustomerEvent(
                    customer=customer,
                    actor=customer.created_by,
                    created_at=customer.created_at,
                    kind=CustomerEvent.Kind.CREATED,
                    note=DEMO_NOTE,
                )
            )
            for position, (as_typed, e164) in enumerate(known.phones):
                label = PhoneLabel.MOBILE if position == 0 else rng.choice([PhoneLabel.HOME, PhoneLabel.WORK])
                phones.append(
                    CustomerPhone(customer=customer, number=e164, as_typed=as_typed, label=label, position=position)
                )
            pieces.extend(
                (
                    piece,
                    Equipment(
                        owner=customer,
                        kind=self.types[piece.kind],
                        brand=piece.brand,
                        model=piece.model,
                        serial_number=piece.serial,
                        purchased_on=piece.purchased_on,
                        notes=rng.choice(PIECE_NOTES),
                        created_at=customer.created_at,
                    ),
                )
                for piece in known.pieces
            )
        CustomerEvent.objects.bulk_create(events, batch_size=1000)
        CustomerPhone.objects.bulk_create(phones, batch_size=1000)
        Equipment.objects.bulk_create([row for _, row in pieces], batch_size=1000)
        for piece, row in pieces:
            piece.pk = row.pk
        Ownership.objects.bulk_create(
            [Ownership(equipment=row, customer_id=row.owner_id, started_at=row.created_at) for _, row in pieces],
            batch_size=1000,
        )

    def _piece(self, created_at):
        rng = self.rng
        kind, brand, model, pattern = rng.choice(GEAR)
        serial = ""
        if rng.random() >= NO_SERIAL[kind]:
            while not serial or (brand.lower(), serial.upper()) in self.serials:
                serial = "".join(
                    rng.choice("0123456789")
                    if char == "#"
                    else rng.choice("0123456789ABCDEF")
                    if char == "H"
                    else char
                    for char in pattern
                )
            self.serials.add((brand.lower(), serial.upper()))
        bought = created_at.date() - datetime.timedelta(days=rng.randint(30, 6 * 365))
        return Piece(kind, brand, model, serial, bought if rng.random() < 0.5 else None)

    @staticmethod
    def _fictional_phones(taken):
        """(as typed, E.164) of numbers nobody has, in the shop's region: the fictional range first."""
        region = settings.PHONENUMBER_DEFAULT_REGION
        if phonenumbers.country_code_for_region(region) == 1:
            candidates = (
                f"{area}555{line:04d}"
                for lines in (range(100, 200), range(200, 10000))
                for line in lines
                for area in NANP_AREAS
                if line != 1212  # directory assistance
            )
        else:
            example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
            stem = str((example or phonenumbers.example_number(region)).national_number)[:-4]
            candidates = (f"{stem}{line:04d}" for line in range(10000))
        for national in candidates:
            number = phonenumbers.parse(national, region)
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_possible_number(number) and e164 not in taken:
                yield phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL), e164
        raise CommandError(f"Out of fictional phone numbers for region {region}: use --reset or fewer --items.")

    def _create_history(self, jobs, steps):
        events = []
        for item, stage in zip(jobs, steps, strict=True):
            when = item.received_at
            events.append(
                ServiceEvent(item=item, actor=item.received_by, kind=ServiceEvent.Kind.CREATED, created_at=when)
            )
            path = PATH[: stage + 1] if item.status != Status.CANCELLED else [*PATH[:stage], Status.CANCELLED]
            for before, after in zip(path, path[1:], strict=False):
                if after not in TRANSITIONS[before]:
                    continue
                when += datetime.timedelta(hours=self.rng.randint(2, 48))
                events.append(
                    ServiceEvent(
                        item=item,
                        actor=item.assigned_to or item.received_by,
                        kind=ServiceEvent.Kind.STATUS,
                        created_at=min(when, self.now),
                        changes={"Status": [str(before.label), str(after.label)]},
                    )
                )
        ServiceEvent.objects.bulk_create(events, batch_size=1000)


class Piece:
    __slots__ = ("kind", "brand", "model", "serial", "purchased_on", "pk")

    def __init__(self, kind, brand, model, serial, purchased_on):
        self.kind, self.brand, self.model, self.serial = kind, brand, model, serial
        self.purchased_on, self.pk = purchased_on, None

    @property
    def parts(self):
        """What a customer's search text holds of the piece (as Customer.build_search_document)."""
        return (self.kind, self.brand, self.model, self.serial)


class Known:
    __slots__ = ("name", "email", "phones", "pieces", "pk")

    def __init__(self, *, name, email, phones, pieces):
        self.name, self.email, self.phones, self.pieces, self.pk = name, email, phones, pieces, None
