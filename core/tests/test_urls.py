"""Every logbook URL reverses to its path and the path resolves back to it, control numbers included."""

import pytest
from django.urls import resolve

from service_center.tests.helpers import assert_url_round_trip

ITEM = "/items/SC-000123/"
URLS = [
    ("core:index", {}, "/"),
    ("core:item-create", {}, "/items/new/"),
    ("core:item-export", {}, "/items/export.csv"),
    ("core:item-detail", {"number": 123}, ITEM),
    ("core:item-update", {"number": 123}, f"{ITEM}edit/"),
    ("core:item-status", {"number": 123}, f"{ITEM}status/"),
    ("core:item-assign", {"number": 123}, f"{ITEM}assign/"),
    ("core:item-note", {"number": 123}, f"{ITEM}notes/"),
    ("core:item-slip", {"number": 123}, f"{ITEM}slip/"),
    ("core:item-delete", {"number": 123}, f"{ITEM}delete/"),
]


@pytest.mark.parametrize(("name", "kwargs", "path"), URLS, ids=[name for name, _, _ in URLS])
def test_url_reverses_and_resolves(name, kwargs, path):
    assert_url_round_trip(name, path, kwargs)


def test_a_control_number_in_any_letter_case_resolves_to_the_item_number():
    assert resolve("/items/sc-000123/").kwargs == {"number": 123}
