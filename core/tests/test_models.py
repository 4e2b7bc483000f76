import pytest
from django.db import IntegrityError, transaction

from core.models import TRANSITIONS, ServiceItem, Status
from core.tests.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db


def test_control_number_is_readable_and_follows_the_number():
    item = ServiceItemFactory()
    assert item.control_number == f"SC-{item.pk:06d}"
    assert item.get_absolute_url() == f"/items/SC-{item.pk:06d}/"


def test_control_numbers_are_never_reused_after_a_delete():
    first = ServiceItemFactory()
    number = first.pk
    first.delete()
    assert ServiceItemFactory().pk > number


@pytest.mark.parametrize(
    ("text", "number"),
    [("SC-000123", 123), ("sc-123", 123), ("SC123", 123), ("000123", 123), (" 42 ", 42), ("SC-", None),
     ("Reyes", None), ("12a", None), ("١٢٣", None), ("9" * 13, None)],
)  # fmt: skip
def test_number_from_control_number(text, number):
    assert ServiceItem.number_from_control_number(text) == number


def test_serial_numbers_keep_letters_and_leading_zeros():
    item = ServiceItemFactory(serial_number="007AB00")
    item.refresh_from_db()
    assert item.serial_number == "007AB00"


def test_database_refuses_an_unknown_status():
    item = ServiceItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.filter(pk=item.pk).update(status="lost")


def test_every_state_before_release_can_be_cancelled_and_closed_states_are_final():
    for status in Status:
        if status in (Status.RELEASED, Status.CANCELLED):
            assert TRANSITIONS[status] == ()
        else:
            assert Status.CANCELLED in TRANSITIONS[status]


def test_status_counts_cover_every_status():
    ServiceItemFactory.create_batch(2)
    ServiceItemFactory(status=Status.READY)
    counts = ServiceItem.objects.status_counts()
    assert counts[Status.RECEIVED] == 2
    assert counts[Status.READY] == 1
    assert counts[Status.RELEASED] == 0
    assert set(counts) == set(Status.values)


def test_search_matches_parts_of_name_phone_serial_and_control_number():
    item = ServiceItemFactory(customer_name="Rosa Reyes", customer_phone="+1 555 0199", serial_number="00XZ9911")
    ServiceItemFactory(customer_name="Other Person", customer_phone="+44 20 1234", serial_number="QQ")
    for text in ("reyes", "ROSA", "0199", "xz99", item.control_number, item.control_number.lower()):
        assert list(ServiceItem.objects.search(text)) == [item], text


def test_search_treats_like_wildcards_as_text():
    ServiceItemFactory(customer_name="Ann Lee")
    assert not ServiceItem.objects.search("%").exists()
    assert not ServiceItem.objects.search("_").exists()


def test_only_who_may_cancel_is_allowed_to_cancel(front_desk, manager):
    item = ServiceItemFactory(status=Status.READY)
    assert item.allowed_next_statuses() == (Status.RELEASED, Status.CANCELLED)
    assert item.allowed_next_statuses(manager) == (Status.RELEASED, Status.CANCELLED)
    assert item.allowed_next_statuses(front_desk) == (Status.RELEASED,)


# The search text a job is found by


def test_a_job_is_found_by_everything_the_counter_knows_of_it():
    job = ServiceItemFactory(
        customer_name="Rosa Reyes",
        customer_phone="+1 555 411 8402",
        customer_email="rosa@example.com",
        item_type="Dive computer",
        brand="Shearwater",
        model="Perdix 2",
        serial_number="SW-0042",
        requested_service="Battery door cracked",
    )
    ServiceItemFactory(customer_name="Someone Else")
    for typed in ("4118402", "+1 555 4118 402", "555-4118", "reyes", "ROSA@EXAMPLE", "dive computer",
                  "shearwater", "perdix", "sw-00", "cracked battery", job.control_number):  # fmt: skip
        assert list(ServiceItem.objects.search(typed)) == [job], typed


def test_a_status_change_does_not_rewrite_the_search_text(django_assert_num_queries):
    job = ServiceItemFactory()
    job.status = "diagnosing"
    with django_assert_num_queries(2):  # the row, and the logbook's revision: no reads of customer or piece
        job.save(update_fields=["status"])


def test_a_customers_new_number_finds_their_jobs_once_customers_says_so():
    from customers import signals
    from customers.tests.factories import PhoneFactory

    job = ServiceItemFactory(customer_name="Rosa Reyes")
    PhoneFactory(customer=job.customer, as_typed="(303) 555-0199")
    assert not ServiceItem.objects.search("303 555 0199").exists()
    signals.customer_changed.send(sender=type(job.customer), customer=job.customer)
    assert list(ServiceItem.objects.search("303 555 0199")) == [job]
