from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import BootstrapFormMixin, clean_email_address


class UniqueEmailMixin:
    """Checks and normalises the email with email-validator and refuses one taken in any letter case."""

    def clean_email(self):
        email = clean_email_address(self.cleaned_data["email"])
        taken = User._default_manager.filter(email__iexact=email)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("A user with that email address already exists."), code="unique")
        return email


class RegistrationForm(BootstrapFormMixin, UniqueEmailMixin, auth_forms.UserCreationForm):
    class Meta(auth_forms.UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def add_conflict_errors(self):
        """After the database refused a duplicate that slipped past clean(), say which field it was."""
        data = self.cleaned_data
        if User._default_manager.filter(username__iexact=data.get("username", "")).exists():
            self.add_error("username", _("A user with that username already exists."))
        if User._default_manager.filter(email__iexact=data.get("email", "")).exists():
            self.add_error("email", _("A user with that email address already exists."))
        if not self.errors:
            self.add_error(None, _("Your account could not be created. Please try again."))


class LoginForm(BootstrapFormMixin, auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    remember_me = forms.BooleanField(
        label=_("Remember me"),
        required=False,
        help_text=_("Stay signed in on this device for two weeks."),
    )

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("Please enter a correct username or email and password."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm caps the field at the username's 150 characters; an email may be 254.
        self.fields["username"].max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = "254"


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name")


class UserAdminCreationForm(UniqueEmailMixin, auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class UserAdminChangeForm(UniqueEmailMixin, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
