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
