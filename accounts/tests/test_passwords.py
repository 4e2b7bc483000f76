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
