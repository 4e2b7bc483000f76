import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_username_is_unique_regardless_of_case_in_the_database():
    UserFactory(username="Diver")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="dIVER", email="other@example.com")


def test_email_is_unique_regardless_of_case_in_the_database():
    UserFactory(email="Ann@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ann2", email="ann@example.COM")


def test_email_is_required():
    user = User(username="noemail")
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert "email" in excinfo.value.message_dict


def test_username_with_at_sign_is_invalid():
    user = User(username="ann@shop", email="ann@example.com")
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert "username" in excinfo.value.message_dict


def test_display_name_falls_back_to_username():
    assert UserFactory(username="kim", first_name="", last_name="").display_name == "kim"
    assert UserFactory(first_name="Kim", last_name="Lee").display_name == "Kim Lee"


def test_absolute_url_is_the_user_page():
    assert UserFactory(username="kim").get_absolute_url() == "/users/kim/"


@pytest.mark.parametrize("name", ["kim", "KIM", " Kim ", "kim@example.com", "KIM@Example.COM"])
def test_a_login_name_finds_the_account_by_username_or_email_in_any_case(name):
    kim = UserFactory(username="kim", email="kim@example.com", email_verified=True)
    UserFactory(username="kimberly", email="kim@example.org")
    assert list(User.objects.by_login_name(name)) == [kim]


def test_an_email_is_never_taken_for_a_username():
    UserFactory(username="kim", email="other@example.com")
    assert not User.objects.by_login_name("kim@example.com").exists()
