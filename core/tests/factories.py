import uuid

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.forms import ITEM_FIELDS
from core.models import ServiceEvent, ServiceItem


class ServiceItemFactory(factory.django.DjangoModelFactory):
    customer_name = factory.Faker("name")
    customer_phone = factory.Sequence(lambda n: f"+1 555 {n:07d}")
    item = "Regulator first stage"
    item_type = "Regulator"
    brand = "Apeks"
    model = "XTX50"
    serial_number = factory.Sequence(lambda n: f"00AB{n:06d}")
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


def take_in_data(**overrides):
    """What the take-in form posts for an item as ServiceItemFactory builds it: every value as a browser sends it."""
    item = ServiceItemFactory.build()
    data = {name: "" if getattr(item, name) is None else getattr(item, name) for name in ITEM_FIELDS}
    data["received_at"] = timezone.localtime(item.received_at).strftime("%Y-%m-%dT%H:%M")
    return {**data, "assigned_to": "", "intake_token": str(uuid.uuid4()), **overrides}
