"""Invoice numbers under concurrent issue: real threads, each on its own database connection (on PostgreSQL they
really race for the counter row; SQLite's IMMEDIATE transactions queue them)."""

import importlib
import threading
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from billing import services
from billing.models import Invoice, Payment
from billing.services import BillingError
from billing.tests.factories import job
from billing.tests.test_services import approved_job

pytestmark = pytest.mark.django_db(transaction=True)
YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _groups_and_rights():
    # Transactional tests run after the others and find the tables emptied by the one before: make the staff
    # groups, billing's permissions and discount limits again as the migrations do.
    importlib.import_module("core.migrations.0002_staff_groups").create_groups(apps, None)
    importlib.import_module("billing.migrations.0002_staff_permissions").grant(apps, None)


def run_together(work, arguments):
    start = threading.Barrier(len(arguments))
    outcomes = []

    def run(*args):
        try:
            start.wait()
            outcomes.append(work(*args))
        except BillingError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_many_concurrent_issues_number_without_gap_or_duplicate(front_desk):
    jobs = [approved_job(front_desk, "10.00") for _ in range(12)]
    refused = [job() for _ in range(3)]  # nothing to invoice: these roll back and must leave no gap
    outcomes = run_together(
        lambda item: services.issue_invoice(item_pk=item.pk, actor=front_desk).number,
        [(item,) for item in [*jobs, *refused]],
    )
    numbers = sorted(outcome for outcome in outcomes if isinstance(outcome, str))
    assert numbers == [f"{YEAR}-{n:04d}" for n in range(1, 13)]
    assert sum(isinstance(outcome, BillingError) for outcome in outcomes) == 3
    assert list(Invoice.objects.order_by("sequence").values_list("sequence", flat=True)) == list(range(1, 13))


def test_two_counters_invoicing_one_job_at_once_make_one_invoice(front_desk):
    item = approved_job(front_desk, "10.00")
    outcomes = run_together(lambda: services.issue_invoice(item_pk=item.pk, actor=front_desk).number, [(), ()])
    assert sorted(map(type, outcomes), key=str) == sorted([str, BillingError], key=str)
    assert Invoice.objects.filter(item=item).count() == 1


def test_two_refunds_at_once_never_give_back_more_than_was_paid(front_desk, manager):
    item = job()
    services.record_payment(item_pk=item.pk, kind="deposit", method="cash", amount=D(30), actor=front_desk)
    outcomes = run_together(
        lambda: services.record_payment(
            item_pk=item.pk, kind="refund", method="cash", amount=D(20), note="Declined", actor=manager
        ),
        [(), ()],
    )
    assert sum(isinstance(outcome, Payment) for outcome in outcomes) == 1
    assert services.balance(item).paid == D(10)
