"""billing's receivers: no release with money owed, no answer to the estimate of a closed job, and no personal data
kept beyond what the law needs."""

from django.dispatch import receiver

from billing import services
from billing.models import Estimate
from core.models import CLOSED_STATUSES, ServiceItem, Status
from core.signals import status_changed, status_changing
from customers.signals import customer_erased


@receiver(status_changing, sender=ServiceItem)
def refuse_release_with_money_due(sender, *, item, to_status, actor, note, request=None, **kwargs):
    if to_status == Status.RELEASED:
        services.check_release(item=item, actor=actor, note=note, request=request)


@receiver(status_changed, sender=ServiceItem)
def withdraw_estimates_of_closed_jobs(sender, *, item, to_status, actor, **kwargs):
    if to_status in CLOSED_STATUSES:
        services.withdraw_estimates(item=item, actor=actor)


@receiver(customer_erased)
def forget_signatures(sender, *, customer, **kwargs):
    """The name typed to approve an estimate, and the address it came from, go. Invoices stay as issued: the law
    requires them kept (their copy of the name and address included)."""
    Estimate.objects.filter(item__customer=customer).update(signed_name="", signed_ip=None)
