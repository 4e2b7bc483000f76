"""Status links: secret, stored as a hash only, revocable, expiring; one reminder per step."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from notifications import links
from notifications.models import Event, Message, StatusLink
from notifications.tests.factories import MessageFactory, job

pytestmark = pytest.mark.django_db


def token_of(url):
    return url.rstrip("/").rsplit("/", 1)[1]


def test_a_status_link_carries_256_random_bits_and_the_database_holds_only_their_hash():
    item = job()
    token = token_of(links.status_url(item))
    assert len(token) == 43  # 32 bytes, base64url
    row = StatusLink.objects.filter(item=item).values().get()
    assert token not in str(row)
    assert StatusLink.objects.get_valid(token).item == item


def test_two_jobs_get_different_links_and_a_job_keeps_its_link():
    first, second = job(), job()
    assert links.status_url(first) != links.status_url(second)
    assert links.status_url(first) == links.status_url(first)
    assert StatusLink.objects.filter(item=first).count() == 1


def test_the_status_url_is_absolute_from_site_url(settings):
    settings.SITE_URL = "https://shop.example.com/"
    assert links.status_url(job()).startswith("https://shop.example.com/status/")


@pytest.mark.parametrize(
    "token",
    ["", "x", "A" * 43, "A" * 44, "A" * 10_000, "../../etc/passwd", "Ａ" * 43, "1 OR 1=1"],
)
def test_unknown_or_malformed_tokens_open_nothing(token):
    job()
    assert StatusLink.objects.get_valid(token) is None


def test_a_revoked_link_opens_nothing_and_the_job_gets_a_new_one():
    item = job()
    old = token_of(links.status_url(item))
    StatusLink.objects.filter(item=item).update(revoked_at=timezone.now())
    assert StatusLink.objects.get_valid(old) is None
    new = token_of(links.status_url(item))
    assert new != old and StatusLink.objects.get_valid(new).item == item


def test_an_expired_link_opens_nothing():
    item = job()
    token = token_of(links.status_url(item))
    StatusLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert StatusLink.objects.get_valid(token) is None


def test_links_keep_working_after_the_secret_key_is_rotated_with_the_old_one_as_a_fallback(settings):
    item = job()
    url = links.status_url(item)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    assert links.status_url(item) == url  # the slip reprinted shows the same link
    assert StatusLink.objects.get_valid(token_of(url)).item == item


def test_without_the_old_key_a_job_gets_a_new_link_its_old_one_still_opens(settings):
    item = job()
    old = token_of(links.status_url(item))
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    new = token_of(links.status_url(item))
    assert new != old
    assert StatusLink.objects.get_valid(new).item == item


def test_one_active_link_per_job_is_enforced_by_the_database():
    item = job()
    links.status_link(item)
    with pytest.raises(IntegrityError):
        StatusLink.objects.create(item=item)


def test_one_reminder_per_job_and_step_is_enforced_by_the_database():
    message = MessageFactory(event=Event.REMINDER, reminder_days=7)
    with pytest.raises(IntegrityError):
        Message.objects.create(
            customer=message.customer, item=message.item, event=Event.REMINDER, reminder_days=7, channel="email"
        )
