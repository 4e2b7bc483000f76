from django.contrib.auth import models as auth_models
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.validators import UsernameValidator


class UserQuerySet(models.QuerySet):
    def by_login_name(self, name):
        """The account a login name means: a *confirmed* email address when it has "@" (usernames cannot), else a
        username; in any letter case. Both are unique whatever their case, so this is one row or none.

        An address nobody has confirmed logs nobody in: typing someone else's address into the profile gives no
        second way into one's own account under their name."""
        name = name.strip()
        if "@" in name:
            return self.filter(email__iexact=name, email_verified=True)
        return self.filter(username__iexact=name)


class UserManager(auth_models.UserManager.from_queryset(UserQuerySet)):
    pass


# What every form says of a username someone has: what to do, not that an account has it (README, "Usernames").
USERNAME_TAKEN = _("That username is not available: choose another.")


class User(AbstractUser):
    """A member of staff. Username and email are each unique whatever their letter case."""

    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("Required. 150 characters or fewer. English letters, digits and . + - _ only."),
        validators=[UsernameValidator()],
        error_messages={"unique": USERNAME_TAKEN},
    )
    email = models.EmailField(_("email address"), max_length=254)
    email_verified = models.BooleanField(
        _("email confirmed"), default=False, help_text=_("The user opened the confirmation link sent to this address.")
    )
    # A new address asked for (from the profile, or by a manager): it becomes `email` only when its link is opened,
    # so an account never holds an address nobody proved, and the old one logs in and gets resets until then.
    pending_email = models.EmailField(
        _("new email address, waiting for confirmation"),
        max_length=254,
        blank=True,
        help_text=_("Becomes the account's address when the link mailed to it is opened."),
    )

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message=USERNAME_TAKEN,
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("A user with that email address already exists."),
            ),
        ]

    def __str__(self):
        return self.username

    def get_absolute_url(self):
        return reverse("accounts:user-detail", kwargs={"username": self.username})

    @property
    def display_name(self):
        return self.get_full_name() or self.username


class AuditEvent(models.Model):
    """Something security-relevant that happened to an account. Never holds passwords, tokens or customers' data."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOCKOUT = "lockout", _("Locked out")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset")
        EMAIL_CHANGED = "email_changed", _("Email changed")
        EMAIL_CONFIRMED = "email_confirmed", _("Email confirmed")
        TWO_FACTOR_ENABLED = "2fa_enabled", _("Two-factor authentication turned on")
        TWO_FACTOR_DISABLED = "2fa_disabled", _("Two-factor authentication turned off")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("Recovery codes renewed")
        SESSION_ENDED = "session_ended", _("Session ended by the user")
        ACCESS_CHANGED = "access_changed", _("Groups or permissions changed")
        REGISTERED = "registered", _("Registered")
        INVITED = "invited", _("Invited")
        ACTIVATED = "activated", _("Account activated")
        DEACTIVATED = "deactivated", _("Account deactivated")
        # Written by billing (money that leaves, or a rule about money that changes, is audited like access).
        REFUND = "refund", _("Refund given")
        INVOICE_CANCELLED = "invoice_cancelled", _("Invoice cancelled by a credit note")
        RELEASE_UNPAID = "release_unpaid", _("Released with money due")
        DISCOUNT_LIMITS_CHANGED = "discount_limits_changed", _("Discount limits changed")
        CUSTOMER_EXPORTED = "customer_exported", _("Customer's data exported")
        CUSTOMER_ERASED = "customer_erased", _("Customer erased")
        CUSTOMERS_MERGED = "customers_merged", _("Customers merged")

    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    kind = models.CharField(_("what"), max_length=30, choices=Kind)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("account")
    )
    # The name that was typed or is affected, kept when there is no such account or it is deleted later.
    username = models.CharField(_("username"), max_length=254, blank=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("done by")
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at"], name="accounts_audit_created_idx"),
            models.Index(fields=["kind", "-created_at"], name="accounts_audit_kind_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.username}"


class UserSession(models.Model):
    """One signed-in browser, so that users can see where they are logged in and end sessions."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self):
        return f"{self.user} on {self.browser}"

    @property
    def browser(self):
        """A short name for the browser and system, from the User-Agent header."""
        agent = self.user_agent
        browser = next((name for marker, name in _BROWSERS if marker in agent), _("Unknown browser"))
        system = next((name for marker, name in _SYSTEMS if marker in agent), "")
        return f"{browser} on {system}" if system else str(browser)


_BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


class LoginLockout(models.Model):
    """A lockout in force, for the admin. The counters themselves live in the cache (accounts/throttle.py)."""

    scope = models.CharField(_("locked"), max_length=30)
    key = models.CharField(_("account or address"), max_length=254)
    locked_until = models.DateTimeField(_("until"))
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("login lockout")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="accounts_lockout_scope_key_unique")]

    def __str__(self):
        return f"{self.scope} {self.key}"


class Invitation(models.Model):
    """A manager's invitation to an email address: its mailed link lets the invitee choose a username and a
    password, and puts the new account in the groups chosen here. Used once; it expires (INVITATION_SECONDS)."""

    email = models.EmailField(_("email address"), max_length=254)
    groups = models.ManyToManyField(
        auth_models.Group, blank=True, verbose_name=_("groups"), help_text=_("The new account joins these groups.")
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("account")
    )

    class Meta:
        verbose_name = _("invitation")
        ordering = ["-created_at"]

    def __str__(self):
        return self.email


class UsedSignUpLink(models.Model):
    """A sign-up link that made an account, by the random nonce it carries: the link never works again, even when
    its address is freed later (the account changed address). Rows older than the links' life can go."""

    nonce = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("used sign-up link")

    def __str__(self):
        return f"sign-up link used {self.used_at:%Y-%m-%d %H:%M}"
