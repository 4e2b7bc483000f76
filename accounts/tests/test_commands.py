import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_createsuperuser_with_email(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "tide-chart-regulator-42")
    call_command("createsuperuser", "--no-input", username="boss", email="boss@example.com", verbosity=0)
    boss = User.objects.get(username="boss")
    assert boss.is_superuser
    assert boss.email == "boss@example.com"
    assert boss.check_password("tide-chart-regulator-42")


def test_createsuperuser_without_email_is_refused():
    with pytest.raises(CommandError, match="email"):
        call_command("createsuperuser", "--no-input", username="boss", verbosity=0)
    assert not User.objects.exists()


def test_createsuperuser_asks_for_the_email():
    assert "email" in User.REQUIRED_FIELDS
