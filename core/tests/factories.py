import uuid

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.forms import ITEM_FIELDS
from core.models import ServiceEvent, ServiceItem
from customers.tests.factories import CustomerFactory, EquipmentFactory, equipment_type


class ServiceItemFactory(factory.django.DjangoModelFactory):
    """A job with its customer and piece. ServiceItemFactory(brand="Mares", serial_number="X1", item_type="BCD")
    makes the piece so; customer_name= and customer_phone= make the customer so."""

    class Params:
        customer_name = factory.Faker("name")
        customer_phone = None
        customer_email = None
        item_type = "Regulator"
        brand = "Apeks"
        model = "XTX50"
        serial_number = factory.Sequence(lambda n: f"00AB{n:06d}")

    customer = factory.LazyAttribute(
        lambda o: CustomerFactory(
            name=o.customer_name,
            phone=o.customer_phone,
            **({"email": o.customer_email} if o.customer_email is not None else {}),
        )
    )
    equipment = factory.LazyAttribute(
        lambda o: EquipmentFactory(
            owner=o.customer,
            kind=equipment_type(o.item_type),
            brand=o.brand,
            model=o.model,
            serial_number=o.serial_number,
        )
    )
    item = ""
    requested_service = "Annual service"
    received_at = factory.LazyFunction(timezone.now)
    received_by = factory.SubFactory(UserFactory)

    class Meta:
        model = ServiceItem
        skip_postgeneration_save = True

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            ServiceEvent.objects.create(item=self, actor=self.received_by, kind=ServiceEvent.Kind.CREATED)


def take_in_data(customer=None, equipment=None, **overrides):
    """What the take-in form posts: for a known customer and piece when given, else a new customer and piece
    (every value as a browser sends it)."""
    data = {
        "item": "",
        "requested_service": "Annual service",
        "accessories": "",
        "priority": "normal",
        "promised_on": "",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "assigned_to": "",
        "intake_token": str(uuid.uuid4()),
    }
    if customer is not None:
        data["customer"] = str(customer.pk)
    else:
        data.update(name="Rosa Reyes", phone="(202) 555-0143", email="rosa@example.com")
    if equipment is not None:
        data["equipment"] = str(equipment.pk)
    else:
        data.update(kind=str(equipment_type("Regulator").pk), brand="Apeks", model="XTX50", serial_number="00SN42")
    assert set(ITEM_FIELDS) <= set(data)
    return {**data, **overrides}
