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
