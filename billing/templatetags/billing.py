"""billing's template parts: the `money` filter, and the panels other apps' pages load (the job page, the claim
slip, and the customer's status page)."""

from django import template

from billing import services
from billing.money import format_money

register = template.Library()


@register.filter
def money(amount):
    """{{ amount|money }}: "$1,234.50", in the shop's currency and minor unit (never through float)."""
    return format_money(amount)


@register.filter
def percent(value):
    """{{ rate|percent }}: "19%", "7.5%"."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return f"{text}%"


@register.inclusion_tag("billing/includes/panel.html", takes_context=True)
def billing_panel(context, item):
    """The job page's money panel: balance, the go-ahead amount, taking a payment, the estimate's state."""
    from billing.views import job_context

    user = context["request"].user
    if not user.has_perm("billing.view_estimate"):
        return {"show": False}
    return {"show": True, "request": context["request"], "perms": context.get("perms"), **job_context(item, user)}


@register.inclusion_tag("billing/includes/slip_balance.html")
def slip_balance(item):
    """For the claim slip: deposit taken and balance, in one line."""
    return {"balance": services.balance(item), "preapproved_limit": services.preapproved_limit(item)}


@register.inclusion_tag("billing/includes/customer_estimate.html", takes_context=True)
def customer_estimate(context, link):
    """For the customer's status page: the estimate waiting for an answer (or the answer given), with a link to
    read and answer it, and what was paid."""
    from django.urls import reverse

    from billing.models import Estimate

    item = link.item
    estimate = item.estimates.exclude(status=Estimate.Status.DRAFT).order_by("-number").first()
    token = context["request"].resolver_match.kwargs["token"]
    return {
        "estimate": estimate,
        "answer_url": reverse("billing:estimate-answer", kwargs={"token": token}),
        "balance": services.balance(item),
    }
