import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from core.models import ServiceEvent, ServiceItem, Status
from service_center.roles import STAFF_GROUPS

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_staff_in_each_group_and_items_with_history(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", items=120, batch_size=50, seed=7)
    out = capsys.readouterr().out
    users = get_user_model().objects.filter(username__in=["frontdesk", "tech", "tech2", "manager"])
    assert {user.groups.get().name for user in users} == set(STAFF_GROUPS)
    assert ServiceItem.objects.count() == 120
    assert ServiceEvent.objects.filter(kind=ServiceEvent.Kind.CREATED).count() == 120
    assert ServiceItem.objects.exclude(status=Status.RECEIVED).exists()
    assert "50 / 120 items" in out
    assert "120 / 120 items" in out
    # It prints the passwords, and they work.
    line = next(line for line in out.splitlines() if line.strip().startswith("manager "))
    password = line.split()[-1]
    assert get_user_model().objects.get(username="manager").check_password(password)


def test_seed_demo_history_follows_the_workflow(settings):
    settings.DEBUG = True
    call_command("seed_demo", items=200, seed=3, stdout=None)
    for item in ServiceItem.objects.exclude(status=Status.RECEIVED)[:50]:
        changes = list(
            item.events.filter(kind=ServiceEvent.Kind.STATUS).order_by("id").values_list("changes", flat=True)
        )
        assert changes, item
        assert changes[-1]["Status"][1] == item.get_status_display()


def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", items=5)
    assert not ServiceItem.objects.exists()
    call_command("seed_demo", items=5, force=True)
    assert ServiceItem.objects.count() == 5


def test_seed_demo_refuses_a_negative_count(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("seed_demo", items=-1)
