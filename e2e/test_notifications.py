"""The customer's side of a job in a real browser: the claim slip's QR code scanned (decoded with zbar), the
printed slip's paper size, the status page on a phone, the unsubscribe link; and a manager editing a message."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from core.models import Status
from core.services import change_status
from e2e.conftest import ARTIFACTS, DESKTOP
from e2e.test_journeys import PASSWORD, log_in
from notifications import links
from notifications.models import Message
from notifications.tests.conftest import make_templates_and_grants
from notifications.tests.factories import consenting_customer, take_in
from service_center.roles import FRONT_DESK, MANAGERS

pytestmark = pytest.mark.django_db(transaction=True)
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture(autouse=True)
def _templates(_site):
    make_templates_and_grants()


def scan(browser, page, selector, name):
    """Photograph one element at a printer's resolution (4x) and decode the QR code in it with zbarimg."""
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=4)
    context.add_cookies(page.context.cookies())
    try:
        copy = context.new_page()
        copy.goto(page.url)
        path = ARTIFACTS / "screenshots" / f"{name}.png"
        copy.locator(selector).screenshot(path=path)
    finally:
        context.close()
    zbarimg = shutil.which("zbarimg") or "/usr/bin/zbarimg"  # Debian's zbar-tools (CI installs it)
    result = subprocess.run([zbarimg, "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"zbarimg found no code in {path}: {result.stderr}"
    return result.stdout.strip()


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in millimetres, from the PDF's MediaBox entries."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(round(float(w) / MM), round(float(h) / MM)) for w, h in boxes]


def watch_referrers(page):
    """The Referer of every request `page` makes for the site's static files, from now on."""
    seen = []
    page.on("request", lambda request: "/static/" in request.url and seen.append(request.header_value("referer")))
    return seen


def assert_only_the_origin_was_sent(referrers, base):
    assert referrers, "the page loaded no static file"
    assert set(referrers) == {base + "/"}, referrers


def test_the_customer_follows_the_job_from_the_claim_slip(live_server, browser, new_page, inspector):
    base = live_server.url
    UserFactory(username="desk", password=PASSWORD).groups.add(Group.objects.get(name=FRONT_DESK))
    customer = consenting_customer(name="Rosa Reyes", email="rosa@example.com")
    item = take_in(customer, promised_on=datetime.date(2026, 12, 4))
    status_url = links.status_url(item)
    assert status_url.startswith(base)
    [taken_in_mail] = mail.outbox
    assert status_url in taken_in_mail.body

    # The job page shows the message that went out and the link.
    desk = new_page()
    log_in(desk, base, "desk")
    desk.goto(base + item.get_absolute_url())
    panel = desk.locator("#messages")
    expect(panel.get_by_text("Taken in", exact=True)).to_be_visible()
    expect(panel.get_by_text("Sent", exact=True)).to_be_visible()
    inspector.check(desk, "item-with-messages")

    # The claim slip: a Print button of our own, a QR code that decodes to the status link, both paper sizes.
    desk.get_by_role("link", name="Print claim slip").click()
    print_button = desk.get_by_role("button", name="Print")
    expect(print_button).to_be_visible()
    desk.evaluate("window.print = () => { window.printed = true; }")
    print_button.click()
    assert desk.evaluate("window.printed") is True
    expect(desk.get_by_text(status_url.removeprefix("http://"), exact=True)).to_be_visible()
    inspector.check(desk, "claim-slip")
    assert scan(browser, desk, "#status-qr", "claim-slip-status-qr") == status_url
    assert scan(browser, desk, "#job-qr", "claim-slip-job-qr") == base + item.get_absolute_url()

    a6 = desk.pdf(prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / "claim-slip-a6.pdf").write_bytes(a6)
    assert pdf_page_sizes(a6) == [(105, 148), (105, 148)]  # the customer's copy, then the shop's
    # As printed: print styles in a window the size of the A6 page (105 x 148 mm at 96 px an inch), for the README.
    desk.emulate_media(media="print")
    desk.set_viewport_size({"width": 397, "height": 559})
    desk.screenshot(path=ARTIFACTS / "screenshots" / "claim-slip-a6-print.png", full_page=True)
    desk.set_viewport_size(DESKTOP)
    desk.emulate_media(media="no-override")
    desk.get_by_role("link", name="80 mm receipt").click()
    inspector.check(desk, "claim-slip-receipt")
    receipt = desk.pdf(prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / "claim-slip-receipt.pdf").write_bytes(receipt)
    assert pdf_page_sizes(receipt) == [(80, 200), (80, 200)]  # two tickets

    # Staff who scan the slip land on the job.
    desk.goto(status_url)
    expect(desk).to_have_url(base + item.get_absolute_url())

    # The customer scans it with a phone: the status page, with no login.
    customer = new_page()
    customer.set_viewport_size({"width": 390, "height": 844})
    customer.goto(status_url)
    expect(customer.get_by_role("heading", name="Your regulator")).to_be_visible()
    expect(customer.get_by_text("We have your item", exact=True)).to_be_visible()
    expect(customer.get_by_text("4 December 2026")).to_be_visible()
    expect(customer.get_by_text("Rosa Reyes")).to_have_count(0)
    inspector.check(customer, "status-page")

    # Ready for pickup: the next message, and the page says so.
    for status in (Status.DIAGNOSING, Status.IN_REPAIR, Status.READY):
        change_status(item_pk=item.pk, to_status=status, actor=item.received_by)
    assert status_url in mail.outbox[-1].body and "ready for pickup" in mail.outbox[-1].body
    customer.reload()
    expect(customer.get_by_text("Ready for pickup").first).to_be_visible()
    customer.screenshot(path=ARTIFACTS / "screenshots" / "status-page-ready-phone.png", full_page=True)

    # The unsubscribe link in the mail works without logging in, after a question. The page's own style sheets and
    # images get only the site's origin as referrer, never the secret address; the form still passes the CSRF check.
    unsubscribe = re.search(r"http://\S+/messages/unsubscribe/\S+/", mail.outbox[-1].body).group(0)
    referrers = watch_referrers(customer)
    customer.goto(unsubscribe)
    inspector.check(customer, "unsubscribe")
    customer.get_by_role("button", name="Stop all messages").click()
    expect(customer.get_by_role("heading", name="You will get no more messages")).to_be_visible()
    assert_only_the_origin_was_sent(referrers, base)
    inspector.check(customer, "unsubscribed", html_from="dom")
    item.customer.refresh_from_db()
    assert item.customer.consent is False


def test_a_manager_previews_and_saves_a_message_and_sees_failures(live_server, new_page, inspector):
    base = live_server.url
    UserFactory(username="boss", password=PASSWORD).groups.add(Group.objects.get(name=MANAGERS))
    customer = consenting_customer(email="")  # no address: the message is recorded as not sent
    item = take_in(customer)
    Message.objects.filter(item=item).update(status=Message.Status.FAILED, reason="Gave up after 5 attempts.")
    page = new_page()
    log_in(page, base, "boss")
    page.goto(base + "/messages/templates/")
    inspector.check(page, "message-templates")
    page.get_by_role("link", name=re.compile("^Ready for pickup")).click()
    inspector.check(page, "message-template-edit")
    page.get_by_label("Subject").fill("Ready to dive, {{ customer_name }}!")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("Ready to dive, Rosa Reyes!")).to_be_visible()
    inspector.check(page, "message-template-preview", html_from="dom")
    page.get_by_label("Plain text").fill("{% if %}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The template has an error")).to_be_visible()
    page.get_by_label("Plain text").fill("Your {{ item }} is ready.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The message “Ready for pickup” was saved.")).to_be_visible()
    page.get_by_role("link", name="Messages that failed").click()
    expect(page.get_by_role("link", name=item.control_number)).to_be_visible()
    expect(page.get_by_text("Gave up after 5 attempts.")).to_be_visible()
    inspector.check(page, "messages-failed")
