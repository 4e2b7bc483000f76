import base64
import time
from http import HTTPStatus

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView, UpdateView

from accounts import services, throttle, tokens
from accounts.forms import (
    CodeForm,
    CurrentPasswordForm,
    EmailChangeForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    ResetForm,
    SessionEndForm,
    SetPasswordForm,
    SignUpForm,
)
from accounts.models import AuditEvent, UserSession
from service_center.http import client_ip
from service_center.qr import qr_svg
from service_center.roles import is_staff_member
from service_center.views import InvalidFormStatusMixin

PENDING_LOGIN = "pending_login"
PENDING_SECONDS = 5 * 60
WRONG_CODE = gettext_lazy("That code is not right. Check the time on your phone and try again.")


class ThrottledFormMixin:
    """A form refused because its account or address is locked answers 429 with Retry-After (the login, and the
    pages that check the current password)."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        if getattr(form, "retry_after", 0):
            return throttle.too_many_requests(self.request, form.retry_after)
        return super().form_invalid(form)


class AnonymousOnlyMixin:
    """Sends a visitor who is already logged in to the index."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return HttpResponseRedirect(reverse(settings.LOGIN_REDIRECT_URL))
        return super().dispatch(request, *args, **kwargs)


class RegisterView(AnonymousOnlyMixin, InvalidFormStatusMixin, FormView):
    """Registration, step one: an address. The answer is the same whether or not it has an account (the mail
    tells its owner); mails are limited per client address. REGISTRATION_OPEN=off: invitations only."""

    form_class = RegistrationForm
    template_name = "accounts/register.html"
    success_url = reverse_lazy("accounts:register-sent")

    def dispatch(self, request, *args, **kwargs):
        if not settings.REGISTRATION_OPEN:
            return render(request, "accounts/registration_closed.html", status=HTTPStatus.FORBIDDEN)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        refused = throttle.refuse_if_throttled(request, (throttle.EMAIL_IP, client_ip(request)), count=True)
        return refused or super().post(request, *args, **kwargs)

    def form_valid(self, form):
        services.request_sign_up(email=form.cleaned_data["email"])
        return super().form_valid(form)


class AccountCreateView(AnonymousOnlyMixin, InvalidFormStatusMixin, FormView):
    """Registration, step two, from the mailed link: username and password for the address the link proves.
    The new account is logged in at once; it sees the logbook once a manager gives it access."""

    form_class = SignUpForm
    template_name = "accounts/sign_up.html"
    invitation = False

    def dispatch(self, request, *args, **kwargs):
        try:
            if self.invitation:
                self.open_invitation, self.sign_up = tokens.open_invitation(kwargs["token"]), None
                self.email = self.open_invitation.email
            elif settings.REGISTRATION_OPEN:
                self.open_invitation, self.sign_up = None, tokens.open_sign_up(kwargs["token"])
                self.email = self.sign_up.email
            else:
                return render(request, "accounts/registration_closed.html", status=HTTPStatus.FORBIDDEN)
        except tokens.BadToken:
            return render(request, "accounts/link_failed.html", status=HTTPStatus.BAD_REQUEST)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Every answer counts: a taken username is a field error here, so names must not be tried fast (P9).
        refused = throttle.refuse_if_throttled(request, *throttle.sign_up_checks(request, kwargs["token"]), count=True)
        return refused or super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "email": self.email}

    def get_context_data(self, **kwargs):
        return super().get_context_data(email=self.email, invitation=self.open_invitation, **kwargs)

    def form_valid(self, form):
        try:
            user = services.create_account(
                user=form.save(commit=False),
                request=self.request,
                invitation=self.open_invitation,
                sign_up=self.sign_up,
            )
        except IntegrityError:
            form.add_conflict_errors()
            return self.form_invalid(form)
        user.backend = settings.AUTHENTICATION_BACKENDS[0]
        services.finish_login(self.request, user, remember=False)
        if self.open_invitation:
            messages.success(self.request, _("Welcome, %(name)s: your account is ready.") % {"name": user.username})
        else:
            messages.success(
                self.request,
                _(
                    "Welcome, %(name)s: your account is ready and you are logged in. A manager gives access to the "
                    "logbook; the managers have been told that you registered."
                )
                % {"name": user.username},
            )
        return throttle.trust_device(self.request, redirect(settings.LOGIN_REDIRECT_URL), user)


class LoginView(ThrottledFormMixin, InvalidFormStatusMixin, auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        remember = bool(form.cleaned_data.get("remember_me"))
        if django_otp.user_has_device(user):
            # The password was right; the session stays anonymous until the second factor is too.
            self.request.session[PENDING_LOGIN] = {
                "user": user.pk,
                "backend": user.backend,
                "remember": remember,
                "next": self.get_success_url(),
                "at": time.time(),
            }
            return redirect("accounts:login-code")
        services.finish_login(self.request, user, remember=remember)
        return throttle.trust_device(self.request, HttpResponseRedirect(self.get_success_url()), user)


class LoginCodeView(InvalidFormStatusMixin, FormView):
    """The second step of a login with two-factor authentication."""

    form_class = CodeForm
    template_name = "registration/login_code.html"

    def dispatch(self, request, *args, **kwargs):
        self.pending = request.session.get(PENDING_LOGIN)
        if not self.pending or time.time() - self.pending["at"] > PENDING_SECONDS:
            request.session.pop(PENDING_LOGIN, None)
            messages.info(request, _("Please log in again."))
            return redirect("accounts:login")
        self.user = get_object_or_404(get_user_model(), pk=self.pending["user"], is_active=True)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        checks = throttle.login_checks(self.request, throttle.user_key(self.user))
        refused = throttle.refuse_if_throttled(self.request, *checks)
        if refused:
            return refused
        try:
            recovery_left = services.complete_two_factor_login(
                request=self.request,
                user=self.user,
                code=form.cleaned_data["code"],
                backend=self.pending["backend"],
                remember=self.pending["remember"],
            )
        except services.WrongCode:
            form.add_error("code", WRONG_CODE)
            return self.form_invalid(form)
        del self.request.session[PENDING_LOGIN]
        if recovery_left is not None:
            messages.warning(
                self.request,
                _("You used a recovery code; %(left)d are left. Make new ones from your profile if you run low.")
                % {"left": recovery_left},
            )
        return throttle.trust_device(self.request, HttpResponseRedirect(self.pending["next"]), self.user)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = render(request, "405.html", status=HTTPStatus.METHOD_NOT_ALLOWED)
        response["Allow"] = "POST, OPTIONS"
        return response


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, InvalidFormStatusMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = _("Your profile has been saved.")

    def get_object(self, queryset=None):
        return self.request.user

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            sessions=UserSession.objects.filter(user=user),
            current_session=self.request.session.session_key,
            two_factor=services.has_two_factor(user),
            staff=is_staff_member(user),
            **kwargs,
        )


class UserDetailView(LoginRequiredMixin, UserPassesTestMixin, DetailView):
    """A colleague's page: for staff only (a self-registered account without access learns nobody's name)."""

    template_name = "accounts/user_detail.html"
    context_object_name = "profile_user"

    def test_func(self):
        return is_staff_member(self.request.user)

    def get_object(self, queryset=None):
        return get_object_or_404(get_user_model(), username__iexact=self.kwargs["username"])


# Passwords ---------------------------------------------------------------------------------------------------


class PasswordChangeView(ThrottledFormMixin, InvalidFormStatusMixin, auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session logged in
        services.password_changed(user=form.user, request=self.request)
        messages.success(self.request, _("Your password was changed. Your other sessions were logged out."))
        return response


class PasswordResetView(InvalidFormStatusMixin, auth_views.PasswordResetView):
    form_class = ResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password-reset-done")

    def post(self, request, *args, **kwargs):
        refused = throttle.refuse_if_throttled(request, (throttle.EMAIL_IP, client_ip(request)), count=True)
        if refused:
            return refused
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(InvalidFormStatusMixin, auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user, request=self.request, kind=AuditEvent.Kind.PASSWORD_RESET)
        messages.success(self.request, _("Your new password is set. You can log in with it now."))
        return response


# Email -------------------------------------------------------------------------------------------------------


class EmailChangeView(LoginRequiredMixin, ThrottledFormMixin, InvalidFormStatusMixin, FormView):
    form_class = EmailChangeForm
    template_name = "accounts/email_change.html"
    success_url = reverse_lazy("accounts:profile")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        services.change_email(user=self.request.user, new_email=form.cleaned_data["email"], request=self.request)
        messages.success(
            self.request,
            _(
                "Your email address stays %(old)s until you confirm %(new)s: we sent a link there. Open it to make "
                "the change."
            )
            % {"old": self.request.user.email, "new": form.cleaned_data["email"]},
        )
        return super().form_valid(form)


class EmailConfirmView(TemplateView):
    """The link from the mail shows a button; the POST it sends confirms (mail scanners only GET)."""

    template_name = "accounts/email_confirm.html"

    def post(self, request, token):
        try:
            services.confirm_email(token=token, request=request)
        except services.BadConfirmation as error:
            taken = isinstance(error, services.AddressTaken)
            return render(
                request, "accounts/email_confirm_failed.html", {"taken": taken}, status=HTTPStatus.BAD_REQUEST
            )
        messages.success(request, _("Thank you: your email address is confirmed."))
        return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")


class EmailConfirmSendView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        address = tokens.address_to_confirm(user)
        if not address:
            messages.info(request, _("Your email address is already confirmed."))
            return redirect("accounts:profile")
        refused = throttle.refuse_if_throttled(request, (throttle.EMAIL_USER, user.pk), count=True)
        if refused:
            return refused
        services.send_confirmation(user=user)
        messages.success(request, _("We sent a new confirmation link to %(email)s.") % {"email": address})
        return redirect("accounts:profile")


# Sessions ----------------------------------------------------------------------------------------------------


class SessionEndView(LoginRequiredMixin, View):
    """End one of the user's other sessions, or all of them."""

    http_method_names = ["post"]

    def post(self, request):
        form = SessionEndForm(request.POST, user=request.user, current_key=request.session.session_key)
        if not form.is_valid():
            # The profile again, with the reason, as a 400: a form nobody could have sent from our page.
            messages.error(request, form.errors["session"][0])
            profile = ProfileView()
            profile.setup(request)
            profile.object = request.user
            response = profile.render_to_response(profile.get_context_data(form=ProfileForm(instance=request.user)))
            response.status_code = HTTPStatus.BAD_REQUEST
            return response
        target = form.cleaned_data["session"]
        if target == SessionEndForm.ALL_OTHERS:
            ended = services.end_sessions(user=request.user, keep=request.session.session_key, request=request)
        else:
            ended = services.end_sessions(user=request.user, only=target.session_key, request=request)
        messages.success(request, _("Sessions logged out: %(count)d.") % {"count": ended})
        return redirect("accounts:profile")


# Two-factor authentication -----------------------------------------------------------------------------------

# The authenticator this session started to set up, until it is confirmed.
SETUP_DEVICE = "totp_setup_device"


class TwoFactorView(LoginRequiredMixin, TemplateView):
    """The two-factor page; the POST-only views below are it too, so that a refused form shows it again."""

    template_name = "accounts/two_factor.html"

    def device_being_set_up(self):
        return services.device_being_set_up(user=self.request.user, pk=self.request.session.get(SETUP_DEVICE))

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        context["enabled"] = services.has_two_factor(user)
        context["recovery_left"] = services.recovery_codes_left(user)
        for action in ("renew", "disable"):
            context[f"{action}_form"] = kwargs.get(f"{action}_form") or CurrentPasswordForm(user=user, prefix=action)
        device = self.device_being_set_up()
        if device and not context["enabled"]:
            context["device"] = device
            context["qr_svg"] = qr_svg(device.config_url, css_class=None)
            context["secret"] = base64.b32encode(device.bin_key).decode()
            context["code_form"] = kwargs.get("code_form") or CodeForm()
        return context

    def refuse(self, **forms):
        """The page again, showing the refused form with its errors."""
        return self.render_to_response(self.get_context_data(**forms), status=HTTPStatus.BAD_REQUEST)


class TwoFactorStartView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        device = services.start_totp(user=request.user)
        request.session[SETUP_DEVICE] = device.pk
        return redirect("accounts:two-factor")


class TwoFactorConfirmView(TwoFactorView):
    http_method_names = ["post"]

    def post(self, request):
        device = self.device_being_set_up()
        if device is None:
            messages.error(request, _("Start the set-up again."))
            return redirect("accounts:two-factor")
        form = CodeForm(request.POST)
        if not form.is_valid() or not device.verify_token(form.cleaned_data["code"]):
            if form.is_valid():
                form.add_error("code", WRONG_CODE)
            return self.refuse(code_form=form)
        codes = services.confirm_totp(device=device, request=request)
        request.session.pop(SETUP_DEVICE, None)
        django_otp.login(request, device)
        messages.success(request, _("Two-factor authentication is on."))
        return render(request, "accounts/recovery_codes.html", {"codes": codes})


class TwoFactorPasswordActionView(TwoFactorView):
    """Actions that need the current password: turning two-factor off, making new recovery codes."""

    http_method_names = ["post"]
    action = ""

    def post(self, request):
        form = CurrentPasswordForm(request.POST, user=request.user, request=request, prefix=self.action)
        if not form.is_valid() and form.retry_after:
            return throttle.too_many_requests(request, form.retry_after)
        if not form.is_valid():
            return self.refuse(**{f"{self.action}_form": form})
        if not services.has_two_factor(request.user):
            messages.error(request, _("Two-factor authentication is not on."))
            return redirect("accounts:two-factor")
        if self.action == "disable":
            services.disable_two_factor(user=request.user, request=request)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:two-factor")
        codes = services.renew_recovery_codes(user=request.user, request=request)
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
