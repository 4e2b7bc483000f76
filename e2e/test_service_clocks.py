"""Service clocks in a real browser: the due list, a job that resets a clock, the sticker's QR code read back by
zbarimg, and the public gear page a stranger opens with it."""

import datetime
import importlib
import shutil
import subprocess
import time

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from core.tests.factories import ServiceItemFactory
from maintenance import services
from maintenance.tests.factories import clock_of, consenting_customer, piece, preset
from service_center.roles import MANAGERS, TECHNICIANS
from service_center.worker import queue_periodic_tasks

from .conftest import ARTIFACTS
from .test_journeys import PASSWORD, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _maintenance_permissions(_site):
    # Other transactional tests empty the tables: grant the groups our rights and make the reminder's message
    # template again, as the migrations do.
    importlib.import_module("maintenance.migrations.0003_staff_permissions").grant(apps, None)
    importlib.import_module("notifications.migrations.0003_service_due_event").create_template(apps, None)


def staff(username, group):
    user = UserFactory(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_a_regulator_falling_due_from_the_due_list_to_its_gear_page(
    live_server, new_page, inspector, run_worker, settings, mailoutbox
):
    base, today = live_server.url, timezone.localdate()
    manager = staff("boss", MANAGERS)
    staff("tech", TECHNICIANS)
    rosa = consenting_customer(name="Rosa Reyes", email="rosa@example.com")
    regulator = piece("Regulator", owner=rosa, serial_number="RG1001")
    cylinder = piece("Cylinder", owner=rosa, brand="Faber", model="FX12", serial_number="CY2002")
    # The regulator was serviced eleven and a half months ago; the cylinder's visual inspection is near too.
    services.record_service(
        equipment=regulator,
        clocks=[preset("Regulator", "Annual service")],
        done_on=today - datetime.timedelta(days=350),
        source="outside",
        actor=manager,
        done_by="Reef Divers",
    )
    services.record_service(
        equipment=cylinder,
        clocks=[preset("Cylinder", "Visual inspection", "US")],
        done_on=today - datetime.timedelta(days=345),
        source="outside",
        actor=manager,
        done_by="Harbour Test",
    )
    item = ServiceItemFactory(equipment=regulator, customer=rosa, requested_service="Annual service")

    tech = new_page()
    log_in(tech, base, "tech")
    tech.get_by_role("link", name="Service due").click()
    expect(tech.get_by_role("heading", name="Rosa Reyes")).to_be_visible()
    expect(tech.get_by_role("link", name="Apeks XTX50 Regulator")).to_be_visible()
    expect(tech.get_by_role("link", name="Faber FX12 Cylinder")).to_be_visible()
    inspector.check(tech, "service-due")
    # The worker's daily run: Rosa receives one reminder listing both; running it again sends nothing.
    settings.PERIODIC_TASKS = {"maintenance.tasks.send_service_reminders": 24 * 60 * 60}
    assert queue_periodic_tasks(time.time()) == ["maintenance.tasks.send_service_reminders"]
    run_worker()
    [mail] = mailoutbox
    assert mail.to == ["rosa@example.com"]
    assert "Apeks XTX50 regulator (serial RG1001): annual service, due" in mail.body
    assert "Faber FX12 cylinder (serial CY2002): visual inspection, due" in mail.body
    services.send_service_reminders()
    run_worker()
    assert len(mailoutbox) == 1
    tech.reload()
    expect(tech.locator('td[data-label="Reminded"]')).to_have_text([services.readable(today)] * 2)

    tech.get_by_label("Clock").select_option(label="Regulator: Annual service")
    tech.get_by_role("button", name="Show").click()
    expect(tech.get_by_role("link", name="Faber FX12 Cylinder")).to_have_count(0)
    tech.get_by_role("link", name="Apeks XTX50 Regulator").click()
    expect(tech.get_by_role("heading", name="Service clocks: Apeks XTX50 Regulator")).to_be_visible()
    inspector.check(tech, "piece-clocks")

    # The job's panel: the annual service is suggested by the requested service; the technician saves it.
    tech.goto(base + item.get_absolute_url())
    expect(tech.get_by_label("Annual service")).to_be_checked()
    tech.get_by_role("button", name="Save clocks").click()
    expect(tech.get_by_text("the ticked clocks are reset when")).to_be_visible()
    inspector.check(tech, "item-with-clocks")

    # The manager releases the job: the clock starts again today.
    boss = new_page()
    log_in(boss, base, "boss")
    boss.goto(base + item.get_absolute_url())
    for status in ("Diagnosing", "In repair", "Ready for pickup", "Released"):
        boss.get_by_label("New status").select_option(label=status)
        boss.get_by_role("button", name="Change status").click()
        expect(boss.get_by_text(f"is now “{status}”.")).to_be_visible()
    expect(boss.get_by_text("Service clocks reset.")).to_be_visible()
    assert clock_of(regulator, "Annual service").last_done_on == today

    # The sticker: its QR code, read by zbarimg, is the gear page's address.
    boss.goto(f"{base}/service-due/equipment/{regulator.pk}/")
    boss.get_by_role("button", name="Switch the gear page on").click()
    boss.get_by_role("link", name="Print the sticker").click()
    inspector.check(boss, "sticker")
    sharp = boss.context.browser.new_context(device_scale_factor=4)
    sharp.add_cookies(boss.context.cookies())
    zoomed = sharp.new_page()
    zoomed.goto(boss.url)
    shot = ARTIFACTS / "screenshots" / "sticker-qr.png"
    zoomed.get_by_role("img", name="QR code").screenshot(path=shot)
    sharp.close()
    zbarimg = shutil.which("zbarimg") or "/usr/bin/zbarimg"  # zbar-tools (CI installs it)
    decoded = subprocess.run([zbarimg, "--quiet", "--raw", str(shot)], capture_output=True, text=True, check=True)
    gear_url = decoded.stdout.strip()
    assert gear_url == base + regulator.gear_page.get_absolute_url()

    # A stranger scans it: the gear and its dates, nobody's name.
    stranger = new_page()
    stranger.goto(gear_url)
    expect(stranger.get_by_role("heading", name="Apeks XTX50")).to_be_visible()
    expect(stranger.get_by_text("Last done: " + services.readable(today))).to_be_visible()
    assert "Rosa" not in stranger.content() and "RG1001" not in stranger.content()
    inspector.check(stranger, "gear-page")
