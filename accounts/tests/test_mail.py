"""Account mails leave the request (F3): the worker sends them, with tokens made at send time, retries when the
mail server fails, and a log line without the address for every outcome."""

import json
import logging
import smtplib
from http import HTTPStatus
from unittest import mock

import pytest
from django.core.mail import get_connection
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts import services
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import committing

pytestmark = pytest.mark.django_db


@pytest.fixture
def rita(db):
    return UserFactory(username="rita", email="rita@example.com", email_verified=True)


def ask_reset(client, email, ip="10.0.0.7"):
    with committing():
        return client.post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=ip)


@pytest.mark.django_db(transaction=True)
def test_the_queue_holds_no_token_or_link_and_the_worker_sends_the_link(run_worker, rita, mailoutbox):
    Client().post("/accounts/password/reset/", {"email": "rita@example.com"})
    Client().post("/accounts/register/", {"email": "new@example.com"})
    user = UserFactory(email="unconfirmed@example.com")
    services.send_confirmation(user=user)
    queued = json.dumps(list(DBTaskResult.objects.values_list("args_kwargs", flat=True)))
    assert mailoutbox == []  # nothing was sent inside a request
    assert "http" not in queued and "token" not in queued and ":" not in queued.replace('": ', "")
    run_worker()
    assert sorted(mail.to[0] for mail in mailoutbox) == ["new@example.com", "rita@example.com", user.email]
    assert all("http://" in mail.body for mail in mailoutbox)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


def test_known_and_unknown_addresses_cost_the_request_the_same_queries(client, rita):
    """The reset page does the same work for any address: the worker alone looks it up (same time, F3)."""
    statements = []
    for email in ("rita@example.com", "nobody@example.com"):
        with CaptureQueriesContext(connection) as queries:
            response = Client().post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR="10.0.0.8")
        assert response.status_code == HTTPStatus.FOUND
        statements.append([query["sql"].replace(email, "?") for query in queries.captured_queries])
    assert statements[0] == statements[1]
    assert not any("accounts_user" in sql for sql in statements[0])


def test_at_most_three_reset_mails_per_address_and_the_answer_never_changes(rita, mailoutbox):
    answers = [ask_reset(Client(), "rita@example.com", ip=f"10.0.2.{n}") for n in range(5)]
    assert {(answer.status_code, answer.url) for answer in answers} == {(302, "/accounts/password/reset/sent/")}
    assert len(mailoutbox) == 3


def test_a_mail_server_that_fails_is_tried_again_and_then_the_mail_goes(rita, mailoutbox, caplog, settings):
    settings.TASK_MAX_ATTEMPTS = 5
    real = get_connection().send_messages
    failures = iter([smtplib.SMTPServerDisconnected("gone"), TimeoutError("timed out")])

    def flaky(messages):
        error = next(failures, None)
        if error:
            raise error
        return real(messages)

    with (
        caplog.at_level(logging.INFO, logger="accounts.mail"),
        mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=flaky),
    ):
        response = ask_reset(Client(), "rita@example.com")
    assert response.status_code == HTTPStatus.FOUND
    assert len(mailoutbox) == 1
    lines = [record.getMessage() for record in caplog.records if record.name == "accounts.mail"]
    mail = f"The password_reset mail (user {rita.pk}) was not sent"
    assert lines == [
        f"{mail} (attempt 1: SMTPServerDisconnected); trying again later",
        f"{mail} (attempt 2: TimeoutError); trying again later",
        f"Sent the password_reset mail (user {rita.pk}, attempt 3)",
    ]
    assert "rita@example.com" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_mail_that_never_goes_fails_visibly_without_the_address(run_worker, rita, caplog, settings):
    settings.TASK_MAX_ATTEMPTS = 2
    settings.TASK_RETRY_SECONDS = 0
    refused = smtplib.SMTPRecipientsRefused({"rita@example.com": (550, b"no such user rita@example.com")})
    with mock.patch("accounts.tasks.send_mail", side_effect=refused):
        assert Client().post("/accounts/password/reset/", {"email": "rita@example.com"}).status_code == 302
        run_worker()
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=None)
        run_worker()
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert failed.exception_class_path == "accounts.tasks.MailNotSent"
    assert "rita@example.com" not in failed.traceback
    assert "password_reset mail (user" in failed.traceback
    assert "gave up after 2 attempts" in caplog.text
    assert "rita@example.com" not in caplog.text


def test_a_hung_mail_server_never_holds_up_a_request(rita, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with mock.patch("accounts.tasks.send_mail") as send:
        response = Client().post("/accounts/password/reset/", {"email": "rita@example.com"})
    assert response.status_code == HTTPStatus.FOUND
    send.assert_not_called()  # queued for after the commit, which a test's transaction never reaches


def test_the_mail_server_is_given_up_after_email_timeout(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert get_connection().timeout == settings.EMAIL_TIMEOUT == 10


def test_notices_keep_to_their_templates():
    from accounts.tasks import send_notice

    with pytest.raises(ValueError, match="Unknown notice"):
        send_notice.call(template="../../settings", user_id=1)


@pytest.mark.django_db(transaction=True)
def test_each_mails_outcome_is_in_the_admin_under_task_results(run_worker, rita, superuser):
    Client().post("/accounts/password/reset/", {"email": "rita@example.com"})
    run_worker()
    admin = Client()
    admin.force_login(superuser)
    page = admin.get("/admin/django_tasks_database/dbtaskresult/")
    assert page.status_code == HTTPStatus.OK
    assert "send_password_reset" in page.text
    assert "Successful" in page.text or "SUCCESSFUL" in page.text
