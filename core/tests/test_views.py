from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.views import defaults

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_index_tells_anonymous_visitors_what_the_site_is(client):
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    assert "service logbook" in response.text
    assert 'href="/accounts/login/"' in response.text
    assert 'href="/accounts/register/"' in response.text


def test_index_greets_a_logged_in_user_by_name(client):
    client.force_login(UserFactory(first_name="Mara", last_name="Reef"))
    response = client.get("/")
    assert "Hi, Mara Reef!" in response.text
    assert 'href="/accounts/profile/"' in response.text
    assert 'href="/accounts/register/"' not in response.text


def test_index_greets_a_user_without_a_name_by_username(client):
    client.force_login(UserFactory(username="mara", first_name="", last_name=""))
    assert "Hi, mara!" in client.get("/").text


def test_greeting_escapes_markup_in_the_name(client):
    client.force_login(UserFactory(first_name="<img src=x onerror=alert(1)>", last_name=""))
    response = client.get("/")
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in response.text
    assert "bootstrap.min.css" in response.text


def test_error_pages_render_without_touching_the_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        server_error = defaults.server_error(request)
        denied = defaults.permission_denied(request, PermissionDenied())
        missing = defaults.page_not_found(request, Exception())
        bad = defaults.bad_request(request, Exception())
    assert server_error.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Something went wrong on our side" in server_error.text
    assert denied.status_code == HTTPStatus.FORBIDDEN
    assert "ask a manager to grant you access" in denied.text
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert bad.status_code == HTTPStatus.BAD_REQUEST


def test_static_assets_are_served_by_the_site_not_a_cdn(client):
    html = client.get("/").text
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html
    assert "/static/vendor/bootstrap/js/bootstrap.bundle.min.js" in html
    assert "cdn" not in html.lower()
