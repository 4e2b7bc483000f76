"""The logbook's counts and pages at a cost that does not grow with it (issue 15): counters the database keeps,
bounded counts that say "more than", and the last pages read from the other end."""

import threading
import uuid
from http import HTTPStatus

import pytest
from django.db import connection
from django.db.models import Count

from core import services, views
from core.models import ServiceItem, Status, StatusCount
from core.tests.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db


def counted():
    """{status: jobs} counted the slow way, for every status with jobs."""
    return dict(ServiceItem.objects.order_by().values_list("status").annotate(n=Count("id")))


def kept():
    return {status: count for status, count in StatusCount.objects.values_list("status", "count") if count}


def test_counters_follow_take_in_status_change_and_delete(front_desk, manager):
    item = ServiceItemFactory.build(customer=ServiceItemFactory().customer)
    item.equipment = ServiceItem.objects.get().equipment
    taken, _ = services.take_in(item=item, received_by=front_desk, intake_token=uuid.uuid4())
    assert kept() == counted() == {Status.RECEIVED: 2}
    services.change_status(item_pk=taken.pk, to_status=Status.DIAGNOSING, actor=manager)
    assert kept() == counted() == {Status.RECEIVED: 1, Status.DIAGNOSING: 1}
    other = ServiceItem.objects.exclude(pk=taken.pk).get()
    services.delete_mistaken(item_pk=other.pk, actor=manager)
    assert kept() == counted() == {Status.DIAGNOSING: 1}


def test_counters_follow_queryset_updates_bulk_inserts_and_deletes():
    ServiceItemFactory.create_batch(3)
    ServiceItem.objects.filter(pk__in=ServiceItem.objects.values("pk")[:2]).update(status=Status.READY)
    assert kept() == counted() == {Status.RECEIVED: 1, Status.READY: 2}
    first = ServiceItem.objects.first()
    ServiceItem.objects.bulk_create(
        [ServiceItem(customer=first.customer, equipment=first.equipment, received_by=first.received_by,
                     requested_service="Bulk", status=Status.RELEASED) for _ in range(4)]
    )  # fmt: skip
    assert kept() == counted() == {Status.RECEIVED: 1, Status.READY: 2, Status.RELEASED: 4}
    ServiceItem.objects.filter(status=Status.RELEASED).delete()
    assert kept() == counted() == {Status.RECEIVED: 1, Status.READY: 2}


def test_saving_a_job_without_changing_its_status_leaves_the_counters(manager):
    item = ServiceItemFactory(status=Status.READY)
    item.requested_service = "Something else"
    item.save()
    assert kept() == {Status.READY: 1}


def test_status_counts_of_the_whole_logbook_come_from_the_counters(django_assert_num_queries):
    ServiceItemFactory.create_batch(2)
    with django_assert_num_queries(1) as captured:
        counts = ServiceItem.objects.status_counts()
    assert "core_statuscount" in captured.captured_queries[0]["sql"]
    assert counts[Status.RECEIVED] == 2
    assert set(counts) == set(Status.values)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_counters_stay_right_under_concurrent_changes(front_desk, manager):
    """Take-ins and status changes in parallel transactions (on PostgreSQL, truly at once): no change lost."""
    items = ServiceItemFactory.create_batch(6)
    template = items[0]
    start = threading.Barrier(6)
    errors = []

    def work(index):
        try:
            start.wait()
            if index % 2:
                services.change_status(item_pk=items[index].pk, to_status=Status.DIAGNOSING, actor=manager)
                services.change_status(item_pk=items[index].pk, to_status=Status.CANCELLED, actor=manager)
            else:
                job = ServiceItem(customer=template.customer, equipment=template.equipment, requested_service="New")
                services.take_in(item=job, received_by=front_desk, intake_token=uuid.uuid4())
        except Exception as error:  # reported below, with the thread's index
            errors.append((index, error))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert kept() == counted() == {Status.RECEIVED: 6, Status.CANCELLED: 3}


@pytest.fixture
def small_bound(monkeypatch):
    monkeypatch.setattr(views, "BOUND", 3)


def test_a_search_with_more_matches_than_the_bound_says_more_than(desk_client, small_bound):
    ServiceItemFactory.create_batch(5, brand="Apeks")
    response = desk_client.get("/", {"q": "apeks"})
    assert response.status_code == HTTPStatus.OK
    assert "More than 3 items" in response.text
    assert response.context["paginator"].count is None
    # No per-status numbers that would only be a sample's.
    assert all(count is None for _, count in response.context["status_counts"])


def test_a_search_within_the_bound_counts_exactly(desk_client, small_bound):
    ServiceItemFactory.create_batch(2, brand="Apeks")
    ServiceItemFactory(brand="Apeks", status=Status.READY)
    ServiceItemFactory.create_batch(4, brand="Mares")
    response = desk_client.get("/", {"q": "apeks", "status": "ready"})
    assert "1 item" in response.text
    counts = {status.value: count for status, count in response.context["status_counts"]}
    assert counts == {**dict.fromkeys(Status.values, 0), Status.RECEIVED: 2, Status.READY: 1}


def test_a_filtered_status_tab_beyond_the_bound_says_more_than(desk_client, small_bound, technician):
    ServiceItemFactory.create_batch(5, assigned_to=technician)
    response = desk_client.get("/", {"technician": technician.pk, "status": "received"})
    assert "More than 3 items" in response.text


def test_unfiltered_logbook_counts_every_job_from_the_counters(desk_client, small_bound):
    ServiceItemFactory.create_batch(5)
    response = desk_client.get("/")
    assert "5 items" in response.text
    assert {status.value: count for status, count in response.context["status_counts"]}[Status.RECEIVED] == 5


@pytest.fixture
def pages(settings):
    settings.LOGBOOK_PAGE_SIZE = 2
    return ServiceItemFactory.create_batch(7)  # received in this order: the last is the newest


def numbers(response):
    return [item.pk for item in response.context["object_list"]]


def test_last_page_shows_the_oldest_jobs(desk_client, pages):
    response = desk_client.get("/", {"page": 4})
    assert numbers(response) == [pages[0].pk]
    assert "Page 4 of 4" in response.text


@pytest.mark.parametrize("page", [1, 2, 3, 4])
def test_every_page_read_from_either_end_is_the_same_as_a_plain_slice(desk_client, pages, page):
    newest_first = [item.pk for item in reversed(pages)]
    assert numbers(desk_client.get("/", {"page": page})) == newest_first[(page - 1) * 2 : page * 2]
    oldest_first = [item.pk for item in pages]
    assert numbers(desk_client.get("/", {"page": page, "sort": "received"})) == oldest_first[(page - 1) * 2 : page * 2]


def test_page_links_stay_correct(desk_client, pages):
    text = desk_client.get("/", {"page": 3}).text
    assert "page=2" in text and "page=4" in text and "Page 3 of 4" in text


@pytest.mark.parametrize("page", ["5", "0", "-1", "x", "99999999999999999999"])
def test_pages_that_do_not_exist_are_404(desk_client, pages, page):
    assert desk_client.get("/", {"page": page}).status_code == HTTPStatus.NOT_FOUND


def test_bounded_search_pages_go_on_while_there_are_jobs(desk_client, pages, small_bound):
    for item in pages:
        item.equipment.brand = "Apeks"
        item.equipment.save()
        item.save()
    first = desk_client.get("/", {"q": "apeks"})
    assert "More than 3 items" in first.text
    assert "Last" not in first.text and "page=2" in first.text
    last = desk_client.get("/", {"q": "apeks", "page": 4})
    assert numbers(last) == [pages[0].pk]
    assert not last.context["page_obj"].has_next()
    assert desk_client.get("/", {"q": "apeks", "page": 5}).status_code == HTTPStatus.NOT_FOUND


def test_status_count_triggers_are_in_place():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_serviceitem'::regclass")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_serviceitem'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"core_statuscount_insert", "core_statuscount_update", "core_statuscount_delete"} <= names
