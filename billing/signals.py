"""billing's receivers: no release with money owed, and no personal data kept beyond what the law needs."""

from django.dispatch import receiver

from billing import services
from billing.models import Estimate
from core.models import ServiceItem, Status
from core.signals import status_changing
from customers.signals import customer_erased


@receiver(status_changing, sender=ServiceItem)
def refuse_release_with_money_due(sender, *, item, to_status, actor, note, **kwargs):
    if to_status == Status.RELEASED:
        services.check_release(item=item, actor=actor, note=note)


@receiver(customer_erased)
def forget_signatures(sender, *, customer, **kwargs):
    """The name typed to approve an estimate, and the address it came from, go. Invoices stay as issued: the law
    requires them kept (their copy of the name and address included)."""
    Estimate.objects.filter(item__customer=customer).update(signed_name="", signed_ip=None)
