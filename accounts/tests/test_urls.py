"""Every accounts URL reverses to its path and the path resolves back to it."""

import pytest

from service_center.tests.helpers import assert_url_round_trip

URLS = [
    ("accounts:register", {}, "/accounts/register/"),
    ("accounts:login", {}, "/accounts/login/"),
    ("accounts:login-code", {}, "/accounts/login/code/"),
    ("accounts:logout", {}, "/accounts/logout/"),
    ("accounts:profile", {}, "/accounts/profile/"),
    ("accounts:password-change", {}, "/accounts/password/change/"),
    ("accounts:password-reset", {}, "/accounts/password/reset/"),
    ("accounts:password-reset-done", {}, "/accounts/password/reset/sent/"),
    (
        "accounts:password-reset-confirm",
        {"uidb64": "MQ", "token": "set-password"},
        "/accounts/password/reset/MQ/set-password/",
    ),
    ("accounts:email-change", {}, "/accounts/email/change/"),
    ("accounts:email-confirm-send", {}, "/accounts/email/confirm/send/"),
    ("accounts:email-confirm", {"token": "abc:def"}, "/accounts/email/confirm/abc:def/"),
    ("accounts:session-end", {}, "/accounts/sessions/end/"),
    ("accounts:two-factor", {}, "/accounts/two-factor/"),
    ("accounts:two-factor-start", {}, "/accounts/two-factor/start/"),
    ("accounts:two-factor-confirm", {}, "/accounts/two-factor/confirm/"),
    ("accounts:two-factor-disable", {}, "/accounts/two-factor/disable/"),
    ("accounts:two-factor-recovery-codes", {}, "/accounts/two-factor/recovery-codes/"),
    ("accounts:user-detail", {"username": "kim"}, "/users/kim/"),
]


@pytest.mark.parametrize(("name", "kwargs", "path"), URLS, ids=[name for name, _, _ in URLS])
def test_url_reverses_and_resolves(name, kwargs, path):
    assert_url_round_trip(name, path, kwargs)
