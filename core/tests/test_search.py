"""The search box finds what the customers issue asks for, from the database's own index (issue 15), on SQLite
(FTS5 trigram table) and PostgreSQL (pg_trgm GIN index) alike."""

from http import HTTPStatus

import pytest
from django.db import connection

from core.models import ServiceItem
from core.tests.factories import ServiceItemFactory
from customers import models as customer_models
from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    ServiceItemFactory(customer_name="Other Person", customer_phone="+44 20 7946 0958", brand="Mares",
                       model="ABYSS22", serial_number="MA777", requested_service="Dump valve leaks")  # fmt: skip
    return ServiceItemFactory(
        customer_name="Rosa Reyes",
        customer_phone="+1 555 411 8402",
        brand="Scubapro",
        model="MK25",
        serial_number="00XZ9911",
        requested_service="Free-flow at the second stage, hissing",
    )


def found(text):
    return list(ServiceItem.objects.search(text))


@pytest.mark.parametrize(
    "text",
    ["4118402", "+1 555 4118 402", "555-4118", "(555) 411-8402", "5554118402", "+15554118402", "555 411 8402"],
)
def test_every_phone_form_finds_the_job(job, text):
    assert found(text) == [job]


@pytest.mark.parametrize("text", ["scubapro", "SCUBAPRO", "mk25", "xz99", "00XZ9911", "hissing", "second stage"])
def test_brand_model_serial_fragment_and_fault_words_find_the_job(job, text):
    assert found(text) == [job]


def test_name_parts_in_any_case_find_the_job(job):
    assert found("reyes") == found("ROSA") == found("rosa rey") == [job]


def test_control_number_finds_the_job_in_every_form(job):
    for text in (job.control_number, job.control_number.lower(), str(job.pk)):
        assert job in found(text), text


def test_terms_shorter_than_a_trigram_still_match(job):
    assert found("xz") == [job]
    assert found("xz 25") == [job]  # serial 00XZ9911, model MK25
    assert found("q") == []


def test_all_terms_must_match(job):
    assert found("reyes mares") == []
    assert found("reyes scubapro") == [job]


@pytest.mark.parametrize("text", ["%", "_", "50%", "a_b", "*", "?", "[a]", "%%%"])
def test_like_and_glob_wildcards_are_text(job, text):
    assert found(text) == []


def test_wildcard_characters_match_themselves():
    item = ServiceItemFactory(requested_service="Pay 50% now, tag o_ring [x] *urgent*?")
    ServiceItemFactory(requested_service="Pay 500 now, tag ozring x urgent")
    for text in ("50%", "o_ring", "[x]", "*urgent*?", "0% no"):
        assert found(text) == [item], text


def test_a_renamed_customer_is_found_by_the_new_name_only(job):
    customer = job.customer
    customer.name = "Rosa Novak"
    customer.save()
    customer.refresh_search_document()
    for other in customer.service_items.all():
        other.save(update_fields=["search_document"])
    assert found("novak") == [job]
    assert found("reyes") == []


def test_a_deleted_job_is_no_longer_found(job):
    job.events.all().delete()
    job.delete()
    assert found("reyes") == []


def test_common_terms_read_by_another_plan_give_the_same_jobs(job, monkeypatch):
    """On SQLite a term more than BOUND jobs have is matched with LIKE walking the logbook rather than through the
    FTS table; the jobs found are the same."""
    expected = {text: found(text) for text in ("reyes", "scubapro", "4118402", "second stage", "mares")}
    monkeypatch.setattr(customer_models, "BOUND", 0)
    customer_models._common_in.cache_clear()
    try:
        assert {text: found(text) for text in expected} == expected
    finally:
        customer_models._common_in.cache_clear()


def test_the_search_index_is_in_place_for_both_tables():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'")
            names = {row[0] for row in cursor.fetchall()}
            assert {"core_item_search_trgm_idx", "customers_search_trgm_idx"} <= names
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_fts_%'")
            names = {row[0] for row in cursor.fetchall()}
            assert {f"{table}_fts_{op}" for table in ("core_serviceitem", "customers_customer")
                    for op in ("insert", "update", "delete")} <= names  # fmt: skip


@pytest.mark.parametrize("text", ["4118402", "+1 555 4118 402", "555-4118", "reyes", "xz99", "mk25", "hissing"])
def test_customers_search_finds_the_customer(job, text):
    assert list(Customer.objects.search(text)) == [job.customer]


def test_customers_whose_name_starts_with_the_query_come_first():
    ServiceItemFactory(customer_name="Anna Petersen")
    ServiceItemFactory(customer_name="Peter Brown")
    names = [customer.name for customer in Customer.objects.search("peter")]
    assert names == ["Peter Brown", "Anna Petersen"]


def test_logbook_search_page_lists_the_job(desk_client, job):
    response = desk_client.get("/", {"q": "555-4118"})
    assert response.status_code == HTTPStatus.OK
    assert job.control_number in response.text
    assert "1 item" in response.text
