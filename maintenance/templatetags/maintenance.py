"""Panels the customers' and the logbook's pages show: a piece's clocks, and a job's clocks to reset.

{% load maintenance %}{% equipment_clocks piece %}     (the customer page, for each piece)
{% load maintenance %}{% job_clocks item %}            (the job page)
"""

from django import template

from maintenance import services
from maintenance.forms import JobClocksForm
from maintenance.models import EquipmentClock, ServiceRecord

register = template.Library()


@register.inclusion_tag("maintenance/includes/equipment_clocks.html", takes_context=True)
def equipment_clocks(context, piece):
    user = context["request"].user
    return {
        "piece": piece,
        "clocks": EquipmentClock.objects.in_force().filter(equipment=piece).select_related("clock"),
        "today": services.today(),
        "can_open": user.has_perm("maintenance.view_equipmentclock"),
    }


@register.inclusion_tag("maintenance/includes/job_clocks.html", takes_context=True)
def job_clocks(context, item):
    request = context["request"]
    clocks = services.job_clocks(item)
    panel = {"item": item, "clocks": clocks, "request": request, "csrf_token": context.get("csrf_token")}
    if not clocks:
        return panel
    if item.is_closed:
        panel["records"] = ServiceRecord.objects.filter(item=item).select_related("clock")
    elif request.user.has_perm("maintenance.reset_clocks"):
        panel["form"] = JobClocksForm(clocks=clocks, initial={"clocks": services.suggested_clocks(item)})
    else:
        panel["chosen"] = services.chosen_clocks(item)
    return panel
