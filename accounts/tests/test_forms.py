import pytest

from accounts.forms import LoginForm, ProfileForm, RegistrationForm, SignUpForm
from accounts.tests.factories import GOOD_PASSWORD, RegistrationDataFactory, SignUpDataFactory, UserFactory

pytestmark = pytest.mark.django_db


def registration(**overrides):
    return RegistrationForm(data=RegistrationDataFactory(**overrides))


def sign_up(email="newdiver@example.com", **overrides):
    return SignUpForm(data=SignUpDataFactory(**overrides), email=email)


def test_valid_sign_up_makes_a_user_with_a_hashed_password_and_the_linked_address():
    form = sign_up()
    assert form.is_valid(), form.errors
    user = form.save()
    assert user.check_password(GOOD_PASSWORD)
    assert user.password != GOOD_PASSWORD
    assert user.email == "newdiver@example.com"


def test_the_address_is_required_to_register():
    form = registration(email="")
    assert not form.is_valid()
    assert "This field is required." in form.errors["email"]


@pytest.mark.parametrize("field", ["username", "password1", "password2"])
def test_every_sign_up_field_is_required(field):
    form = sign_up(**{field: ""})
    assert not form.is_valid()
    assert "This field is required." in form.errors[field]


def test_over_long_username_is_refused():
    form = sign_up(username="a" * 151)
    assert not form.is_valid()
    assert "username" in form.errors


def test_over_long_email_is_refused():
    form = registration(email="a" * 250 + "@example.com")
    assert not form.is_valid()
    assert "email" in form.errors


@pytest.mark.parametrize(
    "email",
    ["not-an-email", "ann@", "@example.com", "ann@@example.com", "ann example@example.com", "<script>@x.com",
     "ann@example.com\r\nBcc: all@example.com", "ann@example.com\nX: y"],
)  # fmt: skip
def test_invalid_email_is_refused_with_a_message(email):
    form = registration(email=email)
    assert not form.is_valid()
    assert form.errors["email"]


def test_email_domain_is_normalised():
    form = registration(email="Ann.Lee@EXAMPLE.com")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "Ann.Lee@example.com"


def test_an_address_with_an_account_is_not_refused_at_registration():
    """The page must not say that the address is ours: the mail to it does (F4)."""
    UserFactory(email="diver@example.com")
    assert registration(email="DIVER@Example.COM").is_valid()


def test_unicode_lookalike_username_is_refused():
    UserFactory(username="admin")
    form = sign_up(username="\N{CYRILLIC SMALL LETTER A}dmin")
    assert not form.is_valid()
    assert "English letters" in form.errors["username"][0]


@pytest.mark.parametrize("username", ["ann@shop", "ann lee", "ann<b>", "robert'); DROP TABLE users;--", "ann\r\nx"])
def test_username_with_disallowed_characters_is_refused(username):
    form = sign_up(username=username)
    assert not form.is_valid()
    assert "username" in form.errors


def test_mismatched_passwords_are_refused():
    form = sign_up(password2=GOOD_PASSWORD + "x")
    assert not form.is_valid()
    assert "The two password fields didn’t match." in form.errors["password2"]


def test_a_password_like_the_address_is_refused():
    form = sign_up(email="reefwalker@example.com", password1="reefwalker@example", password2="reefwalker@example")
    assert not form.is_valid()
    assert "too similar to the email address" in form.errors["password2"][0]


@pytest.mark.parametrize("taken", ["Diver", "DIVER", "diver"])
def test_username_taken_in_any_case_is_a_field_error(taken):
    UserFactory(username=taken)
    form = sign_up(username="dIvEr")
    assert not form.is_valid()
    assert form.errors["username"] == ["That username is not available: choose another."]
    assert not form.non_field_errors()


def test_conflict_found_at_save_time_names_the_field():
    form = sign_up(username="racer")
    assert form.is_valid()
    UserFactory(username="RACER")  # another request won the race after our checks ran
    form.add_conflict_errors()
    assert form.errors["username"] == ["That username is not available: choose another."]


def test_invalid_fields_are_marked_for_assistive_technology():
    form = registration(email="nope")
    form.is_valid()
    html = str(form["email"])
    assert 'aria-invalid="true"' in html
    assert "is-invalid" in html
    assert 'aria-describedby="id_email_error id_email_helptext"' in html


def test_login_form_offers_remember_me_and_accepts_long_email():
    form = LoginForm()
    assert "remember_me" in form.fields
    assert form.fields["username"].widget.attrs["maxlength"] == "254"


def test_profile_form_edits_only_the_name():
    assert list(ProfileForm().fields) == ["first_name", "last_name"]


def test_profile_form_refuses_over_long_names():
    form = ProfileForm(data={"first_name": "x" * 151, "last_name": ""})
    assert not form.is_valid()
    assert "first_name" in form.errors
