"""Load N jobs, with their customers, phones and equipment, into the configured database fast.

seed_demo writes realistic jobs with history through the ORM (about 1.5 ms a job); a benchmark with a million
needs something quicker. This generates the rows in Python, with the search documents built by the same function
the models use (customers.search.document, with the parts ServiceItem.build_search_document and
Customer.build_search_document give it), and writes them with COPY on PostgreSQL and executemany on SQLite.
Run inside Django: see run.py.

About a third of the jobs are customers coming back, most of them with a piece seen before. Names, brands, models
and faults come from short lists, so that a surname finds a few hundred jobs in a million, a model about one in a
hundred and a brand one in five; phone numbers and serial numbers are unique.
"""

import datetime
import random
import uuid

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.models import LogbookRevision, ServiceItem
from customers import search
from customers.models import Customer, CustomerPhone, Equipment, EquipmentType, Ownership

# Word lists are easier to read and edit as one string each.
FIRST = (  # noqa: SIM905
    "Maria Rosa Ana Lucia Elena Sofia Laura Carmen Julia Paula Marta Clara Irene Nora Eva Alba Sara Vera Lena Ida "
    "John Peter Paul Mark Luke James David Daniel Michael Thomas Kofi Chidi Emeka Tunde Ivan Petr Jan Tomas Milan "
    "Karel Ahmed Omar Yusuf Hiro Kenji Yuki Mei Lin Wei Raj Arjun Priya Nikhil Sven Lars Erik Olaf Pierre Louis"
).split()
SURNAMES = (  # noqa: SIM905
    "Reyes Okafor Novak Silva Garcia Martinez Lopez Gonzalez Perez Sanchez Ramirez Torres Flores Rivera Gomez Diaz "
    "Cruz Morales Ortiz Gutierrez Chavez Ramos Ruiz Alvarez Mendoza Castillo Jimenez Moreno Romero Herrera Medina "
    "Aguilar Vargas Kowalski Nowak Wisniewski Horvat Kovac Dvorak Svoboda Novotny Cerny Prochazka Kucera Vesely "
    "Adeyemi Okonkwo Eze Mensah Owusu Boateng Nkemelu Balogun Tanaka Suzuki Takahashi Watanabe Ito Yamamoto "
    "Nakamura Kobayashi Sato Chen Wang Zhang Liu Yang Huang Zhao Wu Zhou Xu Sun Patel Shah Singh Kumar Sharma "
    "Gupta Mehta Iyer Nair Larsen Hansen Johansen Nilsen Berg Lindqvist Dubois Laurent Lefebvre Moreau Fournier "
    "Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Schmidt Schneider Fischer Weber Meyer Wagner "
    "Becker Schulz Hoffmann Koch Richter Klein Wolf Neumann Schwarz Zimmermann Braun Hartmann Kruger Lange Walsh "
    "Byrne Ryan Kelly Murphy Doyle Brennan Quinn Foley Nolan Rossi Russo Ferrari Esposito Bianchi Romano Colombo "
    "Ricci Marino Greco Bruno Gallo Conti Costa Giordano Mancini Rizzo Lombardi Moretti Barbieri Fontana Santoro"
).split()
# (brand, models, weight): a few big brands and a tail, as a dive shop sees them.
BRANDS = (
    ("Apeks", "XTX50 XTX200 MTX-R DS4 XL4 ATX40 FLIGHT", 20),
    ("Scubapro", "MK25 MK17 G260 S620TI A700 HYDROS GALILEO", 20),
    ("Mares", "ABYSS22 PRESTIGE PUCK QUAD SMART ICON", 14),
    ("Aqualung", "LEGEND CORE MIKRON CALYPSO AXIOM", 12),
    ("Atomic", "T3 M1 B2 Z3", 6),
    ("Oceanic", "DELTA5 GEO4 PRO-PLUS", 6),
    ("Suunto", "D5 ZOOP VYPER EON-CORE", 6),
    ("Shearwater", "PERDIX PETREL TERIC NERD2", 6),
    ("Cressi", "MC9 LEONARDO GIOTTO", 5),
    ("Hollis", "DCX 500SE", 5),
)
FAULTS = (
    "Annual service",
    "Annual service, breathing hard",
    "Free-flow at the second stage",
    "Leaking at the first stage, hissing",
    "Inflator sticks, BCD auto-inflates",
    "Dump valve leaks",
    "Battery change and pressure test",
    "Display fades, battery drains fast",
    "Hydrostatic test and visual inspection",
    "Valve stiff, O-ring replacement",
    "Zip broken, seals cracked",
    "Neck seal torn",
    "Computer shows wrong depth",
    "Strap broken, buckle replacement",
    "Pressure gauge needle sticks",
    "Hose bulging near the fitting",
    "Light floods, switch corroded",
    "Cell replacement, sensor check",
    "Octopus free-flows in the current",
    "Purge button stuck",
)
ACCESSORIES = ("", "Case", "Hose, gauge", "Charger", "Bag", "")
STATUSES = ("received", "diagnosing", "waiting_parts", "in_repair", "ready", "released", "released", "released")
PHONE_FORMS = ("+1 555 {a} {b}", "(555) {a}-{b}", "555-{a}-{b}", "555 {a} {b}")
MINUTES_APART = 1


def _brand_table():
    table = []
    for brand, models, weight in BRANDS:
        table += [(brand, models.split())] * weight
    return table


def _serial(brand, piece_id):
    # A permutation of the ids (104729 is prime to 10**8): unique, and no two neighbours alike.
    return f"{brand[:2].upper()}{piece_id * 104729 % 10**8:08d}"


def _phone(customer_id):
    digits = f"{(customer_id * 7919 + 1234567) % 10**7:07d}"
    e164 = f"+1555{digits}"
    as_typed = PHONE_FORMS[customer_id % len(PHONE_FORMS)].format(a=digits[:3], b=digits[3:])
    return e164, as_typed


def _next_id(model):
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _write(model, columns, rows):
    """Rows (tuples in the order of `columns`) into model's table: COPY on PostgreSQL, executemany elsewhere."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        fields = [model._meta.get_field(column.removesuffix("_id")) for column in columns]
        prepared = [
            tuple(
                field.get_db_prep_save(value, connection) if not isinstance(value, int | type(None)) else value
                for field, value in zip(fields, row, strict=True)
            )
            for row in rows
        ]
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", prepared)


def _batch(start_job, count, *, first_customer, first_piece, user_id, tech_id, kinds, total):
    """The rows of jobs start_job .. start_job+count-1, and of the customers and pieces they bring."""
    brands = _brand_table()
    rng = random.Random(start_job)  # the same rows every run
    now = timezone.now()
    customers, pieces = {}, {}  # id -> fields
    job_customer, job_piece = [], []
    next_customer, next_piece = first_customer, first_piece
    for index in range(count):
        job = start_job + index
        if index >= 3 and job % 3 == 0:  # a customer coming back: one of this batch's earlier jobs
            earlier = rng.randrange(index)
            customer_id = job_customer[earlier]
            piece_id = job_piece[earlier] if job % 10 else None  # mostly with a piece seen before
        else:
            customer_id, piece_id = next_customer, None
            next_customer += 1
            first, surname = FIRST[customer_id * 7 % len(FIRST)], SURNAMES[customer_id * 13 % len(SURNAMES)]
            at = now - datetime.timedelta(minutes=(total - job) * MINUTES_APART)
            customers[customer_id] = {
                "name": f"{first} {surname}",
                "email": f"{first.lower()}.{surname.lower()}{customer_id}@example.com" if customer_id % 2 else "",
                "at": at,
                "pieces": [],
            }
        if piece_id is None:
            piece_id = next_piece
            next_piece += 1
            brand, models = brands[piece_id * 31 % len(brands)]
            pieces[piece_id] = {
                "owner": customer_id,
                "kind": kinds[piece_id * 17 % len(kinds)],
                "brand": brand,
                "model": models[piece_id * 7 % len(models)],
                "serial": _serial(brand, piece_id),
                "at": customers[customer_id]["at"],
            }
            customers[customer_id]["pieces"].append(piece_id)
        job_customer.append(customer_id)
        job_piece.append(piece_id)

    phones = {}
    for customer_id, customer in customers.items():
        e164, as_typed = _phone(customer_id)
        phones[customer_id] = (e164, as_typed)
        gear = sorted((pieces[p]["brand"], pieces[p]["model"], p) for p in customer["pieces"])
        parts = [
            part
            for _, _, p in gear
            for part in (pieces[p]["kind"][1], pieces[p]["brand"], pieces[p]["model"], pieces[p]["serial"])
        ]
        customer["document"] = search.document(customer["name"], customer["email"], *parts, phones=[(as_typed, e164)])

    customer_rows = [
        (cid, c["name"], c["email"], "", "", "email", True, c["at"], "counter", user_id, c["at"], c["at"], None, 1,
         c["document"])
        for cid, c in customers.items()
    ]  # fmt: skip
    phone_rows = [(cid, cid, e164, as_typed, "mobile", 0) for cid, (e164, as_typed) in phones.items()]
    piece_rows = [
        (pid, p["owner"], p["kind"][0], p["brand"], p["model"], p["serial"], None, "", p["at"])
        for pid, p in pieces.items()
    ]
    ownership_rows = [(pid, pid, p["owner"], p["at"], None) for pid, p in pieces.items()]
    job_rows = []
    for index in range(count):
        job = start_job + index
        customer, piece = customers.get(job_customer[index]), pieces.get(job_piece[index])
        fault, item = FAULTS[job * 7 % len(FAULTS)], "First stage only" if job % 11 == 0 else ""
        at = now - datetime.timedelta(minutes=(total - job) * MINUTES_APART)
        e164, as_typed = phones[job_customer[index]]
        document = search.document(
            ServiceItem.format_control_number(job),
            customer["name"],
            customer["email"],
            piece["kind"][1],
            piece["brand"],
            piece["model"],
            piece["serial"],
            item,
            fault,
            phones=[(as_typed, e164)],
        )
        job_rows.append(
            (job, job_customer[index], job_piece[index], item, fault, ACCESSORIES[job % len(ACCESSORIES)], at,
             user_id, None if job % 4 == 0 else tech_id, STATUSES[job % 8], "normal", None, at, at, 1,
             uuid.UUID(int=job * 2654435761 + (1 << 100)), document)
        )  # fmt: skip
    return customer_rows, phone_rows, piece_rows, ownership_rows, job_rows


def load(total, *, user_id, tech_id, batch=50_000, progress=print):
    """Add jobs until the table holds `total`; returns how many it added."""
    have = ServiceItem.objects.count()
    kinds = list(EquipmentType.objects.order_by("pk").values_list("pk", "name"))
    start_job = _next_id(ServiceItem)
    first_customer, first_piece = _next_id(Customer), _next_id(Equipment)
    added = 0
    while have + added < total:
        count = min(batch, total - have - added)
        customers, phones, pieces, ownerships, jobs = _batch(
            start_job + added, count, first_customer=first_customer, first_piece=first_piece,
            user_id=user_id, tech_id=tech_id, kinds=kinds, total=start_job + total - have - 1,
        )  # fmt: skip
        with transaction.atomic():
            _write(Customer, ["id", "name", "email", "address", "notes", "preferred_channel", "consent",
                              "consent_at", "consent_method", "created_by_id", "created_at", "updated_at",
                              "erased_at", "version", "search_document"], customers)  # fmt: skip
            _write(CustomerPhone, ["id", "customer_id", "number", "as_typed", "label", "position"], phones)
            _write(Equipment, ["id", "owner_id", "kind_id", "brand", "model", "serial_number", "purchased_on",
                               "notes", "created_at"], pieces)  # fmt: skip
            _write(Ownership, ["id", "equipment_id", "customer_id", "started_at", "ended_at"], ownerships)
            _write(ServiceItem, ["id", "customer_id", "equipment_id", "item", "requested_service", "accessories",
                                 "received_at", "received_by_id", "assigned_to_id", "status", "priority",
                                 "promised_on", "created_at", "updated_at", "version", "intake_token",
                                 "search_document"], jobs)  # fmt: skip
        first_customer += len(customers)
        first_piece += len(pieces)
        added += count
        progress(f"  loaded {have + added:,} / {total:,} jobs")
    if added:
        _after_load()
        _check_documents()
    return added


def _after_load():
    """Sequences past the ids given, fresh statistics, and a new revision (raw inserts send no signals)."""
    models = (Customer, CustomerPhone, Equipment, Ownership, ServiceItem)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            for model in models:
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
    LogbookRevision.bump()


def no_style():
    from django.core.management.color import no_style as style

    return style()


def _check_documents():
    """The documents written equal what the models build (a sample): searches find what a saved job would."""
    for job in ServiceItem.objects.for_detail().order_by("-pk")[:3]:
        assert job.search_document == job.build_search_document(), (job.search_document, job.build_search_document())
        customer = job.customer
        assert customer.search_document == customer.build_search_document(), customer.pk
