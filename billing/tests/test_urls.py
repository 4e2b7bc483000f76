import pytest
from django.urls import resolve, reverse

NAMES = [
    ("billing:price-list", {}, "/billing/prices/"),
    ("billing:price-update", {"pk": 3}, "/billing/prices/3/edit/"),
    ("billing:job", {"number": 12}, "/billing/jobs/SC-000012/"),
    ("billing:line-remove", {"number": 12, "line": 4}, "/billing/jobs/SC-000012/estimate/lines/4/remove/"),
    ("billing:invoice-detail", {"number": "2026-0001"}, "/billing/invoices/2026-0001/"),
    ("billing:invoice-cancel", {"number": "CN-2026-0001"}, "/billing/invoices/CN-2026-0001/cancel/"),
    ("billing:report-takings-csv", {}, "/billing/reports/takings.csv"),
]


@pytest.mark.parametrize(("name", "kwargs", "path"), NAMES)
def test_reverse_and_resolve(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path
    assert resolve(path).view_name == name


def test_a_job_url_takes_the_control_number_in_any_case():
    assert resolve("/billing/jobs/sc-12/").kwargs == {"number": 12}
