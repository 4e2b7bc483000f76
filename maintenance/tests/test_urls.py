"""Every service clock URL reverses to its path and the path resolves back to it."""

import pytest

from service_center.tests.helpers import assert_url_round_trip

PIECE = "/service-due/equipment/7/"
URLS = [
    ("maintenance:due-list", {}, "/service-due/"),
    ("maintenance:due-export", {}, "/service-due/export.csv"),
    ("maintenance:piece-clocks", {"pk": 7}, PIECE),
    ("maintenance:piece-outside", {"pk": 7}, f"{PIECE}outside/"),
    ("maintenance:piece-interval", {"pk": 7, "clock_pk": 9}, f"{PIECE}clocks/9/interval/"),
    ("maintenance:piece-gear-page", {"pk": 7}, f"{PIECE}gear-page/"),
    ("maintenance:piece-sticker", {"pk": 7}, f"{PIECE}sticker/"),
    ("maintenance:job-clocks", {"item_pk": 123}, "/service-due/jobs/123/clocks/"),
    ("maintenance:gear-page", {"token": "7.abc:xyz"}, "/gear/7.abc:xyz/"),
]


@pytest.mark.parametrize(("name", "kwargs", "path"), URLS, ids=[name for name, _, _ in URLS])
def test_url_reverses_and_resolves(name, kwargs, path):
    assert_url_round_trip(name, path, kwargs)
