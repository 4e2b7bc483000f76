from http import HTTPStatus

import pytest
from django.urls import resolve, reverse

from customers import views


@pytest.mark.parametrize(
    ("name", "kwargs", "path", "view"),
    [
        ("customers:customer-list", {}, "/customers/", views.CustomerListView),
        ("customers:customer-create", {}, "/customers/new/", views.CustomerCreateView),
        ("customers:suggest", {}, "/customers/suggest/", views.CustomerSuggestView),
        ("customers:customer-detail", {"pk": 7}, "/customers/7/", views.CustomerDetailView),
        ("customers:customer-update", {"pk": 7}, "/customers/7/edit/", views.CustomerUpdateView),
        ("customers:equipment-create", {"pk": 7}, "/customers/7/equipment/new/", views.EquipmentCreateView),
        ("customers:customer-merge", {"pk": 7}, "/customers/7/merge/", views.CustomerMergeView),
        ("customers:customer-export", {"pk": 7}, "/customers/7/export/", views.CustomerExportView),
        ("customers:customer-export-json", {"pk": 7}, "/customers/7/export.json", views.CustomerExportJsonView),
        ("customers:customer-erase", {"pk": 7}, "/customers/7/erase/", views.CustomerEraseView),
        ("customers:equipment-update", {"pk": 7}, "/equipment/7/edit/", views.EquipmentUpdateView),
        ("customers:equipment-transfer", {"pk": 7}, "/equipment/7/transfer/", views.EquipmentTransferView),
    ],
)
def test_each_page_has_its_address(name, kwargs, path, view):
    assert reverse(name, kwargs=kwargs) == path
    assert resolve(path).func.view_class is view


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/customers/abc/", "/customers/-1/", "/equipment/x/edit/"])
def test_an_address_that_is_no_id_is_404(tech_client, path):
    assert tech_client.get(path).status_code == HTTPStatus.NOT_FOUND
