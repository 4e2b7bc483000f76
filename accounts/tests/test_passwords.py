import time

import pytest
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from accounts.tests.factories import UserFactory

REAL_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
def test_new_passwords_are_hashed_with_argon2id_at_owasp_floor_or_above():
    encoded = make_password("a long enough passphrase")
    assert encoded.startswith("argon2$argon2id$")
    params = identify_hasher(encoded).decode(encoded)
    assert params["memory_cost"] >= 19 * 1024
    assert params["time_cost"] >= 2


@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
def test_one_hash_costs_tens_of_milliseconds_not_hundreds():
    hasher = get_hasher()
    start = time.perf_counter()
    hasher.encode("a long enough passphrase", hasher.salt())
    assert time.perf_counter() - start < 0.25


@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
@pytest.mark.django_db
def test_pbkdf2_hash_still_verifies_and_is_upgraded_at_login(client):
    user = UserFactory(username="legacy")
    user.password = make_password("an old but long password", hasher="pbkdf2_sha256")
    user.save()
    response = client.post("/accounts/login/", {"username": "legacy", "password": "an old but long password"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert check_password("an old but long password", user.password)


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "password_too_short"),
        ("x" * 120 + "Ab1!" * 3, "password_too_long"),
        ("password12345", "password_too_common"),
        ("904711223344", "password_entirely_numeric"),
        ("kimberley-lee-shop", "password_too_similar"),
    ],
)
@pytest.mark.django_db
def test_weak_passwords_are_refused(password, code):
    user = UserFactory.build(username="kimberley", email="kimberley-lee-shop@example.com")
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user)
    assert code in [error.code for error in excinfo.value.error_list]


def test_a_strong_password_of_128_characters_is_accepted():
    validate_password(("Tr0ub4dor&3-" * 11)[:128])


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",  # the review's four (too short now as well)
        " " * 12,
        "qwertyuiopasdf",
        "iloveyou1234",
        "aaaaaaaaaaaaaaaaaaaa",  # and at 15+ characters, refused for what they are
        " " * 20,
        "qwertyuiopasdfghjkl",
        "iloveyou123456789",
        "password12345678",
        "abcdefghijklmnopq",
        "1qaz2wsx3edc4rfv",
        "kimberley19901990",
    ],
)
@pytest.mark.django_db
def test_guessable_passwords_are_refused_with_a_reason(password):
    """F8, checklist #4: offline lists and patterns (zxcvbn): repeats, keyboard rows, common and breached ones."""
    user = UserFactory.build(username="kimberley", email="k.lee@example.com")
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user)
    messages = " ".join(message for error in excinfo.value.error_list for message in error.messages)
    assert "password_guessable" in [error.code for error in excinfo.value.error_list] or len(password) < 15
    assert any(word in messages for word in ("guess", "common", "short", "Repeats"))


def test_fifteen_characters_is_the_least():
    """Checklist #3: NIST 800-63B rev 4's single-factor minimum, for every account."""
    with pytest.raises(ValidationError) as excinfo:
        validate_password("Vx7#kq2!Lm9@Zt")
    assert "password_too_short" in [error.code for error in excinfo.value.error_list]
    validate_password("Vx7#kq2!Lm9@Zt4")


def test_64_characters_are_accepted_and_nothing_is_cut_off(db):
    long = "salt marsh heron " * 3 + "at the tide gauge"  # 68 characters, no composition rules
    validate_password(long[:64])
    user = UserFactory(password=long)
    assert user.check_password(long)
    assert not user.check_password(long[:-1])
    assert not user.check_password(long[:64])


def test_the_password_check_needs_no_network(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the password check opened a connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    validate_password("salt marsh heron at the tide gauge")
    with pytest.raises(ValidationError):
        validate_password("iloveyou123456789")


@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
@pytest.mark.django_db
def test_retiring_older_hashes_makes_their_accounts_answer_like_unknown_names(client, mailoutbox):
    """F13: a PBKDF2 account answered a wrong password in 480 ms against 66 ms; retired, it costs one Argon2id
    hash like any other wrong password (checklist #2: the hasher runs once for an unknown name too)."""
    from io import StringIO
    from unittest import mock

    from django.core.management import call_command

    from accounts.hashers import Argon2idPasswordHasher
    from accounts.tests.helpers import committing

    legacy = UserFactory(username="legacy", email_verified=True)
    legacy.password = make_password("an old but long password", hasher="pbkdf2_sha256")
    legacy.save()
    UserFactory(username="modern")
    out = StringIO()
    call_command("legacy_passwords", stdout=out)
    assert "legacy (pbkdf2_sha256)" in out.getvalue()
    with committing():
        call_command("legacy_passwords", "--retire", stdout=StringIO())
    legacy.refresh_from_db()
    assert not legacy.has_usable_password()
    assert "Choose a new password" in mailoutbox[-1].subject

    runs = {}
    for name in ("legacy", "modern", "nobody-at-all"):
        with mock.patch.object(Argon2idPasswordHasher, "encode", autospec=True,
                               side_effect=Argon2idPasswordHasher.encode) as encode, mock.patch(
            "django.contrib.auth.hashers.PBKDF2PasswordHasher.encode") as pbkdf2:  # fmt: skip
            client.post("/accounts/login/", {"username": name, "password": "a wrong password here"})
        runs[name] = (encode.call_count, pbkdf2.call_count)
    assert runs["legacy"][1] == runs["nobody-at-all"][1] == 0
    assert runs["legacy"][0] == runs["nobody-at-all"][0] == 1
