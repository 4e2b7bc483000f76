from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts import services, throttle
from accounts.models import USERNAME_TAKEN, Invitation, User, UserSession
from service_center.forms import BootstrapFormMixin, clean_email_address


class UniqueEmailMixin:
    """Checks and normalises the email with email-validator and refuses one taken in any letter case."""

    def clean_email(self):
        email = self.cleaned_data["email"]
        if self.instance.pk and email == self.instance.email:
            # Unchanged: saved as it is, even an address today's checks would refuse (the demo's .invalid ones).
            return email
        email = clean_email_address(email)
        taken = User._default_manager.filter(email__iexact=email)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("A user with that email address already exists."), code="unique")
        return email


class RegistrationForm(BootstrapFormMixin, forms.Form):
    """The first step of registering: only the address. Whether it has an account already is never said here;
    the mail that goes to it says (accounts/tasks.py: send_sign_up_link)."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link there; open it to choose your username and password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self):
        return clean_email_address(self.cleaned_data["email"])


class SignUpForm(BootstrapFormMixin, auth_forms.UserCreationForm):
    """The second step, from the mailed link (or an invitation's): username and password for the proven address.

    A username someone has is a field error: the person must choose another, so this page can tell whether a name
    is taken. It says no more than that (USERNAME_TAKEN, also when another request takes the name during the
    checks), and the view throttles it (README, "Usernames")."""

    class Meta(auth_forms.UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name")

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        # Set before validation so that the password checks compare the password with the address too.
        self.instance.email = email
        self.fields["username"].widget.attrs["autofocus"] = True

    def add_conflict_errors(self):
        """After the database refused a name or address taken meanwhile (two tabs, a double submit)."""
        if User._default_manager.filter(username__iexact=self.cleaned_data.get("username", "")).exists():
            self.add_error("username", USERNAME_TAKEN)
        else:
            self.add_error(None, _("An account with this address was created meanwhile. Log in instead."))


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
        self.fields["password"].widget.attrs["maxlength"] = "4096"
        self.fields["password"].validators.append(MaxLengthValidator(4096))

    def clean(self):
        key = throttle.account_key(self.cleaned_data.get("username"))
        wait = throttle.longest_wait(*throttle.login_checks(self.request, key))
        if wait:
            self.retry_after = wait
            raise forms.ValidationError(throttle.wait_message(wait), code="throttled")
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code == "invalid_login":
                throttle.count_failure(self.request, key)
            raise


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name")


class InvitationForm(forms.ModelForm):
    """The admin's invitation: an address nobody has an account with yet, and the groups to join."""

    class Meta:
        model = Invitation
        fields = ("email", "groups")

    def clean_email(self):
        email = clean_email_address(self.cleaned_data["email"])
        if User._default_manager.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this address exists already."), code="unique")
        return email


class UserAdminCreationForm(UniqueEmailMixin, auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class PasswordStateWidget(auth_forms.ReadOnlyPasswordHashWidget):
    """Whether the account has a password, without the hash's algorithm, salt or parameters."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        usable = bool(value) and not value.startswith("!")
        context["summary"] = [{"label": _("A password is set.") if usable else _("No password set.")}]
        return context


class UserAdminChangeForm(UniqueEmailMixin, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordStateWidget()


class CodeForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


class ThrottledPasswordCheckMixin:
    """Checks the current password as a login does (F6): refused while the account is locked from here, a wrong
    one counted, so that a stolen session cannot be used to guess the password at leisure."""

    retry_after = 0

    def check_current_password(self, password, message):
        try:
            right = throttle.check_password(self.request, self.user, password)
        except throttle.Throttled as throttled:
            self.retry_after = throttled.seconds
            raise forms.ValidationError(throttle.wait_message(throttled.seconds), code="throttled") from None
        if not right:
            raise forms.ValidationError(message, code="password_incorrect")
        return password


class CurrentPasswordForm(ThrottledPasswordCheckMixin, BootstrapFormMixin, forms.Form):
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, request=None, **kwargs):
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        return self.check_current_password(self.cleaned_data["password"], _("That is not your current password."))


class EmailChangeForm(UniqueEmailMixin, CurrentPasswordForm):
    """A new address; needs the current password."""

    email = forms.EmailField(
        label=_("New email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    field_order = ["email", "password"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.instance = user

    def clean_email(self):
        email = super().clean_email()
        if email.lower() == self.user.email.lower():
            raise forms.ValidationError(_("That is already your email address."), code="unchanged")
        return email


class ResetForm(BootstrapFormMixin, auth_forms.PasswordResetForm):
    """Django's reset form; the link is made and mailed by the worker, only to a confirmed address of ours."""

    def save(self, *, request, **kwargs):
        services.request_password_reset(email=self.cleaned_data["email"], request=request)


class SetPasswordForm(BootstrapFormMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(ThrottledPasswordCheckMixin, BootstrapFormMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        return self.check_current_password(
            self.cleaned_data["old_password"], self.error_messages["password_incorrect"]
        )


class SessionEndForm(forms.Form):
    """Which of the user's other sessions to end: one by its number, or "others" for all of them."""

    ALL_OTHERS = "others"
    NOT_YOURS = _("That session is not one you can end here.")
    session = forms.CharField(max_length=20, error_messages={"required": NOT_YOURS, "max_length": NOT_YOURS})

    def __init__(self, *args, user, current_key, **kwargs):
        self.user, self.current_key = user, current_key
        super().__init__(*args, **kwargs)

    def clean_session(self):
        value = self.cleaned_data["session"]
        if value == self.ALL_OTHERS:
            return value
        others = UserSession.objects.filter(user=self.user).exclude(session_key=self.current_key)
        # isdecimal() and isascii(): "²" and "٣" are digits to str.isdigit() but no session number of ours.
        row = others.filter(pk=int(value)).first() if value.isascii() and value.isdecimal() else None
        if row is None:
            raise forms.ValidationError(self.NOT_YOURS, code="invalid_choice")
        return row
