from decimal import Decimal

import factory

from billing.models import Estimate, EstimateLine, LineKind, Payment, PriceItem
from core.tests.factories import ServiceItemFactory
from customers.tests.factories import CustomerFactory, EquipmentFactory


def job(**kwargs):
    """A job with a customer and a piece of equipment (until core's factory makes them itself)."""
    customer = kwargs.pop("customer", None) or CustomerFactory(address="1 Reef Lane\nPort Town")
    kwargs.setdefault("equipment", EquipmentFactory(owner=customer))
    return ServiceItemFactory(customer=customer, **kwargs)


class PriceItemFactory(factory.django.DjangoModelFactory):
    kind = LineKind.PART
    code = factory.Sequence(lambda n: f"PART-{n:04d}")
    name = factory.Sequence(lambda n: f"O-ring kit {n}")
    unit_price = Decimal("12.50")
    tax_rate = Decimal(0)

    class Meta:
        model = PriceItem


class EstimateFactory(factory.django.DjangoModelFactory):
    item = factory.LazyFunction(job)
    number = factory.Sequence(lambda n: n + 1)

    class Meta:
        model = Estimate


class EstimateLineFactory(factory.django.DjangoModelFactory):
    estimate = factory.SubFactory(EstimateFactory)
    kind = LineKind.LABOUR
    description = "Regulator service"
    quantity = Decimal(1)
    unit_price = Decimal("80.00")
    tax_rate = Decimal(0)

    class Meta:
        model = EstimateLine


class PaymentFactory(factory.django.DjangoModelFactory):
    item = factory.LazyFunction(job)
    kind = Payment.Kind.DEPOSIT
    method = Payment.Method.CASH
    amount = Decimal("20.00")
    received_by = factory.SelfAttribute("item.received_by")

    class Meta:
        model = Payment
