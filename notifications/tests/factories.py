import uuid

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core import services as logbook
from core.models import ServiceItem
from core.tests.factories import ServiceItemFactory
from customers.tests.factories import CustomerFactory, EquipmentFactory
from notifications.models import Event, Message


def consenting_customer(**kwargs):
    """A customer who agreed to service messages at the counter, with an email address."""
    kwargs.setdefault("email", "rosa@example.com")
    return CustomerFactory(consent=True, consent_at=timezone.now(), consent_method="counter", **kwargs)


def job(customer=None, **kwargs):
    """A service item for a customer who agreed to messages (or the given one), with a piece of equipment."""
    return ServiceItemFactory(customer=customer or consenting_customer(), **kwargs)


class MessageFactory(factory.django.DjangoModelFactory):
    item = factory.LazyFunction(job)
    customer = factory.SelfAttribute("item.customer")
    event = Event.READY
    channel = "email"
    address = factory.SelfAttribute("customer.email")
    subject = "Ready for pickup"
    body_text = "Your regulator is ready."
    status = Message.Status.SENT
    rendered_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = Message


def take_in(customer, **fields):
    """Take a regulator in at the counter for `customer`, through the logbook's service (signals and all)."""
    item = ServiceItem(
        customer=customer,
        equipment=EquipmentFactory(owner=customer, brand="Apeks", model="XTX50"),
        item="Regulator first stage",
        requested_service="Annual service",
        **fields,
    )
    return logbook.take_in(item=item, received_by=UserFactory(), intake_token=uuid.uuid4())[0]
