"""Reminders through notifications' outbox: the mail a customer receives, once, and what managers can switch."""

import datetime

import pytest
import time_machine

from customers.tests.factories import CustomerFactory
from maintenance import services
from maintenance.tests.factories import consenting_customer, piece
from notifications import links
from notifications.models import Event, Message, MessageTemplate

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 27)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """The daily run on the morning of 27 November 2026, with the outbox's deliveries run as the worker would."""

    def run_on(day=TODAY):
        with (
            time_machine.travel(datetime.datetime(day.year, day.month, day.day, 8, tzinfo=datetime.UTC), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return services.send_service_reminders()

    return run_on


def test_the_customer_receives_one_mail_listing_their_regulator_and_cylinder(run, mailoutbox, settings):
    settings.SERVICE_BOOKING_URL = "https://shop.example.com/book"
    rosa = consenting_customer(name="Rosa Reyes", email="rosa@example.com")
    piece("Regulator", owner=rosa, purchased_on=D(2025, 12, 12), serial_number="RG1")
    piece("Cylinder", owner=rosa, brand="Faber", model="FX12", purchased_on=D(2025, 11, 20), serial_number="CY2")
    run()
    [mail] = mailoutbox
    assert mail.to == ["rosa@example.com"]
    assert mail.subject == f"Service due: your gear at {settings.SHOP_NAME}"
    assert "Hello Rosa Reyes," in mail.body
    assert "- Faber FX12 cylinder (serial CY2): visual inspection, overdue since 20 November 2026" in mail.body
    assert "- Apeks XTX50 regulator (serial RG1): annual service, due 12 December 2026" in mail.body
    assert "Book your service here: https://shop.example.com/book" in mail.body
    assert links.unsubscribe_url(rosa.pk).rsplit(":", 2)[0] in mail.body  # the signed link (its time part aside)
    html = mail.alternatives[0][0]
    assert "Faber FX12 cylinder (serial CY2)" in html and "<script" not in html
    message = Message.objects.get(event=Event.SERVICE_DUE)
    assert (message.customer, message.item, message.status) == (rosa, None, Message.Status.SENT)


def test_running_the_job_again_sends_nothing(run, mailoutbox):
    piece(owner=consenting_customer(), purchased_on=D(2025, 12, 12))
    run()
    run()
    run(D(2026, 11, 28))
    assert len(mailoutbox) == 1


def test_a_customer_who_withdrew_consent_or_has_no_address_gets_no_mail(run, mailoutbox):
    piece(owner=CustomerFactory(consent=False), purchased_on=D(2025, 12, 12))
    piece(owner=consenting_customer(email=""), purchased_on=D(2025, 12, 12))
    assert run().as_dict()["customers"] == 0
    assert mailoutbox == [] and not Message.objects.exists()


def test_a_manager_who_switches_the_message_off_stops_the_mails_and_the_outbox_says_why(run, mailoutbox):
    MessageTemplate.objects.filter(event=Event.SERVICE_DUE).update(enabled=False)
    piece(owner=consenting_customer(), purchased_on=D(2025, 12, 12))
    run()
    assert mailoutbox == []
    message = Message.objects.get(event=Event.SERVICE_DUE)
    assert (message.status, message.reason) == (Message.Status.SUPPRESSED, "This message is switched off.")
    run()  # recorded once: switching it on again does not flood the customer with old due dates
    assert Message.objects.filter(event=Event.SERVICE_DUE).count() == 1


def test_the_service_due_template_is_editable_and_checked_like_the_others():
    from notifications import rendering

    template = MessageTemplate.objects.get(event=Event.SERVICE_DUE)
    assert "Apeks XTX50 regulator" in rendering.check(template.body_text, html=False)
    assert "<br>" in rendering.check(template.body_html, html=True)
