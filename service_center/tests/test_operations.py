"""Health checks, request ids, logs and error pages: what the people who run the site rely on."""

import json
import logging
from http import HTTPStatus
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory, override_settings

from service_center.logging import JsonFormatter, NoFormDataReporterFilter

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
)
def test_readyz_is_503_when_the_cache_is_unreachable(client):
    response = client.get("/readyz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "cache" in response.json()["problems"]


def test_readyz_is_503_when_the_database_fails(client):
    with mock.patch("service_center.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/readyz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["problems"] == {"database": "OperationalError"}


def test_a_page_that_loses_the_database_answers_503_with_retry_after(error_page_client):
    with mock.patch("core.views.IndexView.get", side_effect=OperationalError("server closed the connection")):
        response = error_page_client.get("/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "30"
    assert "We’ll be back in a moment" in response.text
    assert "Traceback" not in response.text


def test_any_other_failure_is_a_plain_500_page(error_page_client):
    with mock.patch("core.views.IndexView.get", side_effect=RuntimeError("bug")):
        response = error_page_client.get("/")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Something went wrong on our side" in response.text
    assert "bug" not in response.text


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/"), client.get("/no-such-page/")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept_and_a_hostile_one_replaced(client):
    assert client.get("/", headers={"X-Request-ID": "lb-1234abcd"})["X-Request-ID"] == "lb-1234abcd"
    replaced = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"})["X-Request-ID"]
    assert "<" not in replaced
    assert len(replaced) == 32


def test_access_line_has_the_request_id_and_no_query_string(client, caplog):
    with caplog.at_level(logging.INFO, logger="service_center.access"):
        response = client.get("/?q=Rosa+Reyes")
    line = next(record for record in caplog.records if record.name == "service_center.access")
    assert line.getMessage().startswith("GET / 200 ")
    assert "Rosa" not in line.getMessage()
    assert line.request_id == response["X-Request-ID"]


def test_json_log_lines_are_one_object_each():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("once",), None)
    record.request_id = "abc12345"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed once"
    assert entry["request_id"] == "abc12345"
    assert entry["level"] == "ERROR"


def test_error_reports_never_carry_form_data():
    request = RequestFactory().post("/items/new/", {"customer_name": "Rosa Reyes", "customer_phone": "555 0100"})
    cleaned = NoFormDataReporterFilter().get_post_parameters(request)
    assert set(cleaned) == {"customer_name", "customer_phone"}
    assert "Rosa Reyes" not in json.dumps(cleaned)


def test_csrf_failure_page_explains_what_to_do(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "This form has expired" in response.text
    assert "reload the page" in response.text


def test_static_files_are_served_by_the_site(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == HTTPStatus.OK
    assert b"status-badge" in b"".join(response.streaming_content)


def test_a_failing_page_mails_the_admins_the_traceback_without_form_data(error_page_client, settings, mailoutbox):
    settings.ADMINS = [("Owner", "owner@example.com")]
    with mock.patch("accounts.views.ProfileView.post", side_effect=RuntimeError("boom")):
        response = error_page_client.post("/accounts/profile/", {"first_name": "Rosa Reyes Secret"})
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert [mail.to for mail in mailoutbox] == [["owner@example.com"]]
    assert "RuntimeError" in mailoutbox[0].body
    assert "Rosa Reyes Secret" not in mailoutbox[0].body


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response.url == "/static/img/favicon.svg"


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password/reset/OQ/dip10o-2b5f1c2a9e8d7f6a5b4c/",
        "/accounts/email/confirm/eyJ1c2VyIjoxfQ:1xWsnn:o1BS9BZgGhHf08S4YmcyUHcMmRq/",
        "/accounts/register/eyJlbWFpbCI6Im1hcmFAZXhhbXBsZS5jb20ifQ:1xWsnn:o1BS9BZgGhH/",
        "/accounts/invitation/eyJpbnZpdGF0aW9uIjoxfQ:1xWsnn:o1BS9BZgGhHf08S4Y/",
    ],
)
def test_mailed_links_tokens_never_reach_the_logs(client, caplog, path):
    """F11: the access line, Django's "Bad Request" warning and the development server's request line."""
    import logging as std_logging

    from service_center.logging import RedactSecretPathsFilter

    token = path.rstrip("/").rsplit("/", 1)[1]
    with caplog.at_level(std_logging.INFO):
        client.get(path)
        client.post(path, {"username": "x"})
        std_logging.getLogger("django.server").info('"%s" %s %s', f"GET {path} HTTP/1.1", 200, 10)
    redactor = RedactSecretPathsFilter()
    lines = []
    for record in caplog.records:
        redactor.filter(record)  # what the site's log handlers do to every line
        lines.append(record.getMessage())
    assert any("[redacted]" in line for line in lines)
    assert not any(token in line for line in lines)


def test_searches_typed_at_the_counter_never_reach_the_development_servers_log_lines(caplog):
    import logging as std_logging

    from service_center.logging import RedactSecretPathsFilter

    with caplog.at_level(std_logging.INFO):
        std_logging.getLogger("django.server").info(
            '"%s" %s %s', "GET /customers/?q=Rosa+Reyes&page=2 HTTP/1.1", 200, 10
        )
    record = caplog.records[-1]
    RedactSecretPathsFilter().filter(record)
    assert record.getMessage() == '"GET /customers/?[query] HTTP/1.1" 200 10'


def test_the_site_log_handlers_redact(settings):
    assert "redact_secret_paths" in settings.LOGGING["handlers"]["console"]["filters"]
    assert "redact_secret_paths" in settings.LOGGING["handlers"]["mail_admins"]["filters"]


def test_ordinary_paths_are_logged_as_they_are():
    from service_center.http import redact_paths

    line = "GET /accounts/password/reset/sent/ HTTP/1.1 and /items/SC-000123/ and /accounts/email/confirm/send/"
    assert redact_paths(line) == line


DOWN_REDIS = {
    "CACHES": {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    },
    "SESSION_ENGINE": "service_center.sessions",
}


def test_with_redis_down_login_answers_503_with_retry_after(user, password):
    """F12: the throttle's counters live in Redis; without it the login is unavailable, not broken."""
    client = Client(raise_request_exception=False)
    with override_settings(**DOWN_REDIS):
        response = client.post("/accounts/login/", {"username": user.username, "password": password})
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "30"
    assert "We’ll be back in a moment" in response.text


def test_with_redis_down_a_logged_in_user_gets_503_and_stays_logged_in(user, settings):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32  # the session the user had in Redis
    with override_settings(**DOWN_REDIS):
        response = client.get("/accounts/profile/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "30"
    assert "sessionid" not in response.cookies  # not deleted: back in once Redis is


def test_an_outage_does_not_mail_the_admins_once_per_request(user, settings, mailoutbox):
    import logging as std_logging

    from django.utils.log import AdminEmailHandler

    from service_center.logging import NotAnOutageFilter

    settings.ADMINS = [("Owner", "owner@example.com")]
    handler = AdminEmailHandler()
    handler.addFilter(NotAnOutageFilter())
    logger = std_logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client = Client(raise_request_exception=False)
        client.cookies["sessionid"] = "a" * 32
        with override_settings(**DOWN_REDIS):
            assert client.get("/accounts/profile/").status_code == HTTPStatus.SERVICE_UNAVAILABLE
    finally:
        logger.removeHandler(handler)
    assert mailoutbox == []
    assert "not_an_outage" in settings.LOGGING["handlers"]["mail_admins"]["filters"]
