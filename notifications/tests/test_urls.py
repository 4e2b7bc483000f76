"""Every notifications URL reverses to its path and the path resolves back to it."""

import pytest

from service_center.tests.helpers import assert_url_round_trip

URLS = [
    ("notifications:status", {"token": "abc"}, "/status/abc/"),
    ("notifications:unsubscribe", {"signed": "MQ:x:y"}, "/messages/unsubscribe/MQ:x:y/"),
    ("notifications:failed", {}, "/messages/failed/"),
    ("notifications:message-resend", {"pk": 7}, "/messages/7/resend/"),
    ("notifications:template-list", {}, "/messages/templates/"),
    ("notifications:template-edit", {"event": "ready"}, "/messages/templates/ready/"),
    ("notifications:revoke-link", {"item_pk": 123}, "/status-links/123/revoke/"),
]


@pytest.mark.parametrize(("name", "kwargs", "path"), URLS, ids=[name for name, _, _ in URLS])
def test_url_reverses_and_resolves(name, kwargs, path):
    assert_url_round_trip(name, path, kwargs)
