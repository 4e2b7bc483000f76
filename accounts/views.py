import base64
import time
from http import HTTPStatus

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, DetailView, FormView, TemplateView, UpdateView
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit, services, throttle
from accounts.forms import (
    CodeForm,
    CurrentPasswordForm,
    EmailChangeForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    ResetForm,
    SetPasswordForm,
)
from accounts.models import AuditEvent, UserSession
from service_center.http import client_ip
from service_center.views import InvalidFormStatusMixin

PENDING_LOGIN = "pending_login"
PENDING_SECONDS = 5 * 60


def finish_login(request, user, *, remember):
    """Log the user in (a new session key) and set how long the session lasts."""
    auth_login(request, user, backend=getattr(user, "backend", None))
    request.session.set_expiry(settings.REMEMBER_ME_SECONDS if remember else 0)
    throttle.clear_login_failures(user)


class AnonymousOnlyMixin:
    """Sends a visitor who is already logged in to the index."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return HttpResponseRedirect(reverse(settings.LOGIN_REDIRECT_URL))
        return super().dispatch(request, *args, **kwargs)


class RegisterView(AnonymousOnlyMixin, InvalidFormStatusMixin, CreateView):
    form_class = RegistrationForm
    template_name = "accounts/register.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = form.save()
                services.send_confirmation(user=self.object)
        except IntegrityError:
            # Another registration took the same name between our check and our insert.
            form.add_conflict_errors()
            return self.form_invalid(form)
        messages.success(self.request, _("Congratulations, you are now a registered user!"))
        messages.info(self.request, _("We sent you a mail: open its link to confirm your email address."))
        return HttpResponseRedirect(self.get_success_url())


class LoginView(InvalidFormStatusMixin, auth_views.LoginView):
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
        finish_login(self.request, user, remember=remember)
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        if form.has_error("__all__", "throttled"):
            return throttle.too_many_requests(self.request, form.retry_after)
        return super().form_invalid(form)


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
        key = throttle.user_key(self.user)
        refused = throttle.refuse_if_throttled(self.request, *throttle.login_checks(self.request, key))
        if refused:
            return refused
        device = django_otp.match_token(self.user, form.cleaned_data["code"])
        if device is None:
            throttle.count_failure(self.request, key)
            form.add_error("code", _("That code is not right. Check the time on your phone and try again."))
            return self.form_invalid(form)
        pending = self.request.session.pop(PENDING_LOGIN)
        self.user.backend = pending["backend"]
        finish_login(self.request, self.user, remember=pending["remember"])
        django_otp.login(self.request, device)
        if isinstance(device, StaticDevice):
            left = device.token_set.count()
            audit.record(AuditEvent.Kind.RECOVERY_CODE_USED, request=self.request, user=self.user, left=left)
            messages.warning(
                self.request,
                _("You used a recovery code; %(left)d are left. Make new ones from your profile if you run low.")
                % {"left": left},
            )
        return HttpResponseRedirect(pending["next"])


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
            two_factor=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            **kwargs,
        )


class UserDetailView(LoginRequiredMixin, DetailView):
    template_name = "accounts/user_detail.html"
    context_object_name = "profile_user"

    def get_object(self, queryset=None):
        return get_object_or_404(get_user_model(), username__iexact=self.kwargs["username"])


# Passwords ---------------------------------------------------------------------------------------------------


class PasswordChangeView(InvalidFormStatusMixin, auth_views.PasswordChangeView):
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
        throttle.clear_login_failures(form.user)
        services.password_changed(user=form.user, request=self.request, kind=AuditEvent.Kind.PASSWORD_RESET)
        messages.success(self.request, _("Your new password is set. You can log in with it now."))
        return response


# Email -------------------------------------------------------------------------------------------------------


class EmailChangeView(LoginRequiredMixin, InvalidFormStatusMixin, FormView):
    form_class = EmailChangeForm
    template_name = "accounts/email_change.html"
    success_url = reverse_lazy("accounts:profile")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        services.change_email(user=self.request.user, new_email=form.cleaned_data["email"], request=self.request)
        messages.success(
            self.request,
            _("Your email address is now %(email)s. We sent a link there: open it to confirm the address.")
            % {"email": form.cleaned_data["email"]},
        )
        return super().form_valid(form)


class EmailConfirmView(TemplateView):
    """The link from the mail shows a button; the POST it sends confirms (mail scanners only GET)."""

    template_name = "accounts/email_confirm.html"

    def post(self, request, token):
        try:
            services.confirm_email(token=token, request=request)
        except services.BadConfirmation:
            return render(request, "accounts/email_confirm_failed.html", status=HTTPStatus.BAD_REQUEST)
        messages.success(request, _("Thank you: your email address is confirmed."))
        return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")


class EmailConfirmSendView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        if user.email_verified:
            messages.info(request, _("Your email address is already confirmed."))
            return redirect("accounts:profile")
        refused = throttle.refuse_if_throttled(request, (throttle.EMAIL_USER, user.pk), count=True)
        if refused:
            return refused
        services.send_confirmation(user=user)
        messages.success(request, _("We sent a new confirmation link to %(email)s.") % {"email": user.email})
        return redirect("accounts:profile")


# Sessions ----------------------------------------------------------------------------------------------------


class SessionEndView(LoginRequiredMixin, View):
    """End one of the user's other sessions, or all of them."""

    http_method_names = ["post"]

    def post(self, request):
        current = request.session.session_key
        target = request.POST.get("session", "")
        if target == "others":
            ended = services.end_sessions(user=request.user, keep=current, request=request)
        else:
            row = UserSession.objects.filter(user=request.user, pk=target if target.isdigit() else 0).first()
            if row is None or row.session_key == current:
                messages.error(request, _("That session is not one you can end here."))
                return redirect("accounts:profile")
            ended = services.end_sessions(user=request.user, only=row.session_key, request=request)
        messages.success(request, _("Sessions logged out: %(count)d.") % {"count": ended})
        return redirect("accounts:profile")


# Two-factor authentication -----------------------------------------------------------------------------------

SETUP_DEVICE = "totp_setup_device"


def device_being_set_up(request):
    """The authenticator this session started to set up and has not confirmed yet, if any."""
    return TOTPDevice.objects.filter(user=request.user, confirmed=False, pk=request.session.get(SETUP_DEVICE)).first()


class TwoFactorView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/two_factor.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        context["enabled"] = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        context["recovery_left"] = sum(device.token_set.count() for device in StaticDevice.objects.filter(user=user))
        for action in ("renew", "disable"):
            context[f"{action}_form"] = kwargs.get(f"{action}_form") or CurrentPasswordForm(user=user, prefix=action)
        device = device_being_set_up(self.request)
        if device and not context["enabled"]:
            image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
            context["device"] = device
            context["qr_svg"] = mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 (we drew it)
            context["secret"] = base64.b32encode(device.bin_key).decode()
            context["code_form"] = kwargs.get("code_form") or CodeForm()
        return context


class TwoFactorStartView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        device = services.start_totp(user=request.user)
        request.session[SETUP_DEVICE] = device.pk
        return redirect("accounts:two-factor")


class TwoFactorConfirmView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        device = device_being_set_up(request)
        if device is None:
            messages.error(request, _("Start the set-up again."))
            return redirect("accounts:two-factor")
        form = CodeForm(request.POST)
        if not form.is_valid() or not device.verify_token(form.cleaned_data["code"]):
            if form.is_valid():
                form.add_error("code", _("That code is not right. Check the time on your phone and try again."))
            view = TwoFactorView(request=request, kwargs={})
            context = view.get_context_data(code_form=form)
            return render(request, view.template_name, context, status=HTTPStatus.BAD_REQUEST)
        codes = services.confirm_totp(device=device, request=request)
        request.session.pop(SETUP_DEVICE, None)
        django_otp.login(request, device)
        messages.success(request, _("Two-factor authentication is on."))
        return render(request, "accounts/recovery_codes.html", {"codes": codes})


class TwoFactorPasswordActionView(LoginRequiredMixin, View):
    """Actions that need the current password: turning two-factor off, making new recovery codes."""

    http_method_names = ["post"]
    action = ""

    def post(self, request):
        form = CurrentPasswordForm(request.POST, user=request.user, prefix=self.action)
        if not form.is_valid():
            view = TwoFactorView(request=request, kwargs={})
            context = view.get_context_data(**{f"{self.action}_form": form})
            return render(request, view.template_name, context, status=HTTPStatus.BAD_REQUEST)
        if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            messages.error(request, _("Two-factor authentication is not on."))
            return redirect("accounts:two-factor")
        if self.action == "disable":
            services.disable_two_factor(user=request.user, request=request)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:two-factor")
        codes = services.renew_recovery_codes(user=request.user, request=request)
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
