"""The client's address, as the audit trail, the sessions list and the throttles see it."""

import pytest
from django.test import RequestFactory

from service_center.http import client_ip


def request_from(remote_addr, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


def test_without_proxies_the_address_is_remote_addr_and_a_forged_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("10.0.0.5", forwarded="1.2.3.4")) == "10.0.0.5"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # what the client wrote itself comes first: not believed
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.5"),  # fewer hops than proxies: the header is not ours
        (1, " , ", "10.0.0.5"),
    ],
)
def test_behind_our_proxies_the_address_is_the_one_they_appended(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_from("10.0.0.5", forwarded=forwarded)) == expected


def test_a_request_without_an_address_has_none():
    assert client_ip(request_from("")) is None


@pytest.mark.parametrize("forwarded", ["not-an-address", "203.0.113.7\x00", "999.1.1.1", "<script>"])
def test_a_forwarded_value_that_is_no_address_falls_back_to_remote_addr(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.5", forwarded=forwarded)) == "10.0.0.5"
