"""Every job gets a customer record and a piece of equipment, made from the plain fields it was taken in with.

Customers are merged by their normalised phone number (+15554118402, whatever the spacing typed); where the phone
can't be read, by email; where neither is there, by name and the phone as typed. A piece of equipment is the same
piece when brand and serial number match (whoever brought it: who owned it when is kept); pieces without a serial
number are told apart per customer by type, brand and model. Customers and pieces that already exist (made in the
admin, or by an earlier run of this migration) are found and reused, never duplicated.

Backwards, the plain fields are written back from the records and the jobs are unlinked; the records stay, so
running it forward again reuses them. Measured on 1,000,000 jobs: see docs/customers.md.
"""

import itertools

from django.conf import settings
from django.db import migrations

from customers import search

BATCH = 5000


def batched(iterable, size):
    iterator = iter(iterable)
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch


def _e164(number):
    """A stored phone number in E.164: str() of the field's value follows PHONENUMBER_DEFAULT_FORMAT instead."""
    return number.as_e164 if number else None


def _piece_key(customer_key, item_type, brand, model, serial):
    if serial:
        return ("serial", brand.casefold(), serial.upper())
    return ("plain", customer_key, item_type.casefold(), brand.casefold(), (model or "").casefold())


def forward(apps, schema_editor):
    Item = apps.get_model("core", "ServiceItem")
    Customer = apps.get_model("customers", "Customer")
    Phone = apps.get_model("customers", "CustomerPhone")
    Equipment = apps.get_model("customers", "Equipment")
    EquipmentType = apps.get_model("customers", "EquipmentType")
    Ownership = apps.get_model("customers", "Ownership")

    # What exists already: a job is never given a second record for a person or a piece the shop already has.
    by_phone = {
        _e164(number): pk for number, pk in Phone.objects.exclude(number=None).values_list("number", "customer_id")
    }
    by_email = {}
    for pk, email in Customer.objects.exclude(email="").order_by("pk").values_list("pk", "email"):
        by_email.setdefault(email.casefold(), pk)
    # Customers known by name and the phone as typed (no readable number, no email), as this migration makes them.
    by_name = {}
    named = Customer.objects.filter(email="").exclude(phones__number__isnull=False).order_by("pk")
    for pk, name, as_typed in named.values_list("pk", "name", "phones__as_typed"):
        by_name.setdefault(("name", name.casefold(), as_typed or ""), pk)
    types = {name.casefold(): pk for pk, name in EquipmentType.objects.values_list("pk", "name")}
    pieces = {}
    for pk, owner, kind, brand, model, serial in Equipment.objects.values_list(
        "pk", "owner_id", "kind_id", "brand", "model", "serial_number"
    ):
        kind_name = next((name for name, type_pk in types.items() if type_pk == kind), "")
        pieces[_piece_key(("existing", owner), kind_name, brand, model, serial)] = pk

    # Pass 1: who and what each job is. New customers and pieces get keys; their rows are made in bulk afterwards.
    new_customers = {}  # key -> {name, email, phone: (as typed, e164), created_at}
    new_pieces = {}  # key -> {customer key, type, brand, model, serial, owners: [(customer key, since)]}
    links = []  # (job pk, customer key, piece key)
    rows = (
        Item.objects.filter(customer__isnull=True)
        .order_by("pk")
        .values_list(
            "pk", "customer_name", "customer_phone", "customer_email", "item_type", "brand", "model",
            "serial_number", "received_at",
        )  # fmt: skip
    )
    for pk, name, phone, email, item_type, brand, model, serial, received_at in rows.iterator(chunk_size=BATCH):
        e164 = search.parse_phone(phone)
        email_key = email.casefold() if email else ""
        if e164:
            customer = by_phone.get(e164) or ("phone", e164)
        elif email_key:
            customer = by_email.get(email_key) or ("email", email_key)
        else:
            customer = ("name", name.casefold(), phone)
            customer = by_name.get(customer, customer)
        if isinstance(customer, int):
            customer = ("existing", customer)
        elif customer not in new_customers:
            new_customers[customer] = {"created_at": received_at, "phone": (phone, e164)}
        if customer in new_customers:  # the latest name and email win; earlier ones were typed before them
            record = new_customers[customer]
            record["name"] = name
            record["email"] = email or record.get("email", "")
        kind_name = item_type.strip() or "Other"
        if kind_name.casefold() not in types:
            types[kind_name.casefold()] = EquipmentType.objects.create(name=kind_name[:60], position=100).pk
        piece = _piece_key(customer, kind_name, brand, model, serial)
        if piece in pieces:
            piece = ("existing", pieces[piece])
        elif piece not in new_pieces:
            new_pieces[piece] = {
                "kind": types[kind_name.casefold()], "brand": brand, "model": model or "", "serial": serial,
                "owners": [], "created_at": received_at,
            }  # fmt: skip
        if piece in new_pieces:
            owners = new_pieces[piece]["owners"]
            if not owners or owners[-1][0] != customer:
                owners.append((customer, received_at))
        links.append((pk, customer, piece))

    # The records, in bulk (each batch one INSERT returning the new keys).
    customer_pk = {key: key[1] for key in {link[1] for link in links} if key[0] == "existing"}
    for batch in batched(new_customers.items(), BATCH):
        made = Customer.objects.bulk_create(
            Customer(name=record["name"][:120], email=record["email"], created_at=record["created_at"])
            for _, record in batch
        )
        customer_pk.update((key, customer.pk) for (key, _), customer in zip(batch, made, strict=True))
    Phone.objects.bulk_create(
        (
            Phone(customer_id=customer_pk[key], number=record["phone"][1], as_typed=record["phone"][0][:40])
            for key, record in new_customers.items()
            if record["phone"][0]
        ),
        batch_size=BATCH,
    )
    piece_pk = {key: key[1] for key in {link[2] for link in links} if key[0] == "existing"}
    for batch in batched(new_pieces.items(), BATCH):
        made = Equipment.objects.bulk_create(
            Equipment(
                owner_id=customer_pk[record["owners"][-1][0]],
                kind_id=record["kind"],
                brand=record["brand"],
                model=record["model"],
                serial_number=record["serial"],
                created_at=record["created_at"],
            )
            for _, record in batch
        )
        piece_pk.update((key, piece.pk) for (key, _), piece in zip(batch, made, strict=True))
    Ownership.objects.bulk_create(
        (
            Ownership(
                equipment_id=piece_pk[key],
                customer_id=customer_pk[owner],
                started_at=since,
                ended_at=later[1] if later else None,
            )
            for key, record in new_pieces.items()
            for (owner, since), later in itertools.zip_longest(record["owners"], record["owners"][1:])
        ),
        batch_size=BATCH,
    )

    # Pass 2: link each job and write its search text, from the records as ServiceItem.build_search_document does.
    connection = schema_editor.connection
    # Read whole tables and keep what is needed: an IN list of every customer is more than SQLite's
    # variables (a million jobs have some 350,000 customers).
    linked = set(customer_pk.values())
    phones = {}
    for customer, as_typed, e164 in Phone.objects.order_by("customer_id", "position", "pk").values_list(
        "customer_id", "as_typed", "number"
    ):
        if customer in linked:
            phones.setdefault(customer, []).append((as_typed, _e164(e164)))
    kinds = dict(EquipmentType.objects.values_list("pk", "name"))
    people = {customer_pk[key]: (record["name"][:120], record["email"]) for key, record in new_customers.items()}
    existing = [pk for key, pk in customer_pk.items() if key[0] == "existing"]
    for batch in batched(existing, BATCH):
        people.update((pk, (name, email)) for pk, name, email in Customer.objects.filter(pk__in=batch).values_list(
            "pk", "name", "email"))  # fmt: skip
    gear = {
        piece_pk[key]: (kinds[record["kind"]], record["brand"], record["model"], record["serial"])
        for key, record in new_pieces.items()
    }
    existing = [pk for key, pk in piece_pk.items() if key[0] == "existing"]
    for batch in batched(existing, BATCH):
        gear.update((pk, (kinds[kind], *rest)) for pk, kind, *rest in Equipment.objects.filter(pk__in=batch).values_list(
            "pk", "kind_id", "brand", "model", "serial_number"))  # fmt: skip
    _link_jobs(connection, Item, links, customer_pk, piece_pk, people, gear, phones)
    _refresh_customer_documents(connection, Customer, Equipment, people, kinds, phones)


def _update(connection, model, columns, rows):
    """UPDATE model SET columns WHERE id, for (values..., pk) rows: one statement run for many rows.

    bulk_update() builds a CASE WHEN per row and field, which took most of the time (measured: docs/customers.md).
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)
            return
        # PostgreSQL: one UPDATE ... FROM (VALUES ...) per batch, several times faster than a statement a row.
        fields = {field.column: field for field in model._meta.concrete_fields}
        assignments = ", ".join(
            f"{quote(column)} = v.{quote(column)}::{fields[column].db_type(connection)}" for column in columns
        )
        names = ", ".join(quote(column) for column in [*columns, "id"])
        for batch in batched(rows, BATCH):
            values = ", ".join(["(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"] * len(batch))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v({names}) WHERE {table}.id = v.id",
                [value for row in batch for value in row],
            )


def _link_jobs(connection, Item, links, customer_pk, piece_pk, people, gear, phones):
    prefix = settings.CONTROL_NUMBER_PREFIX
    for batch in batched(links, BATCH):
        texts = {pk: rest for pk, *rest in Item.objects.filter(pk__in=[pk for pk, _, _ in batch]).values_list(
            "pk", "item", "requested_service")}  # fmt: skip
        rows = []
        for pk, customer, piece in batch:
            customer, piece = customer_pk[customer], piece_pk[piece]
            item, requested_service = texts[pk]
            document = search.document(
                f"{prefix}-{pk:06d}", *people[customer], *gear[piece], item, requested_service,
                phones=phones.get(customer, []),
            )  # fmt: skip
            rows.append((customer, piece, document, pk))
        _update(connection, Item, ["customer_id", "equipment_id", "search_document"], rows)


def _refresh_customer_documents(connection, Customer, Equipment, people, kinds, phones):
    owned = {}
    for owner, kind, brand, model, serial in Equipment.objects.order_by("brand", "model", "pk").values_list(
        "owner_id", "kind_id", "brand", "model", "serial_number"
    ):
        if owner in people:
            owned.setdefault(owner, []).extend((kinds[kind], brand, model, serial))
    rows = (
        (search.document(*people[pk], *owned.get(pk, []), phones=phones.get(pk, [])), pk) for pk in sorted(people)
    )
    for batch in batched(rows, BATCH):
        _update(connection, Customer, ["search_document"], batch)


def backward(apps, schema_editor):
    """Write the plain fields back from the records and unlink the jobs; the records stay (see above)."""
    Item = apps.get_model("core", "ServiceItem")
    Phone = apps.get_model("customers", "CustomerPhone")
    first_phone = {}
    for customer, as_typed in Phone.objects.order_by("customer_id", "position", "pk").values_list(
        "customer_id", "as_typed"
    ):
        first_phone.setdefault(customer, as_typed)
    jobs = Item.objects.exclude(customer=None).order_by("pk").values_list(
        "pk", "customer_id", "customer__name", "customer__email", "equipment__kind__name", "equipment__brand",
        "equipment__model", "equipment__serial_number", "item",
    )  # fmt: skip
    for batch in batched(jobs.iterator(chunk_size=BATCH), BATCH):
        rows = [
            (name, first_phone.get(customer, "")[:32], email, kind, brand, model, serial,
             item or f"{brand} {model}".strip()[:120], None, None, "", pk)
            for pk, customer, name, email, kind, brand, model, serial, item in batch
        ]  # fmt: skip
        _update(
            schema_editor.connection,
            Item,
            ["customer_name", "customer_phone", "customer_email", "item_type", "brand", "model", "serial_number",
             "item", "customer_id", "equipment_id", "search_document"],
            rows,
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_serviceitem_search_document"),
        ("customers", "0003_search_and_permissions"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
