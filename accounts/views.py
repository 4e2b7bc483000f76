from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, UpdateView

from accounts.forms import LoginForm, ProfileForm, RegistrationForm
from core.views import InvalidFormStatusMixin


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
        except IntegrityError:
            # Another registration took the same name between our check and our insert.
            form.add_conflict_errors()
            return self.form_invalid(form)
        messages.success(self.request, _("Congratulations, you are now a registered user!"))
        return HttpResponseRedirect(self.get_success_url())


class LoginView(InvalidFormStatusMixin, auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.cleaned_data.get("remember_me"):
            self.request.session.set_expiry(settings.REMEMBER_ME_SECONDS)
        else:
            self.request.session.set_expiry(0)
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = render(request, "405.html", status=405)
        response["Allow"] = "POST, OPTIONS"
        return response


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, InvalidFormStatusMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = _("Your profile has been saved.")

    def get_object(self, queryset=None):
        return self.request.user


class UserDetailView(LoginRequiredMixin, DetailView):
    template_name = "accounts/user_detail.html"
    context_object_name = "profile_user"

    def get_object(self, queryset=None):
        return get_object_or_404(get_user_model(), username__iexact=self.kwargs["username"])
