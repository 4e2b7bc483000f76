from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from accounts.throttle import Throttle, refuse_if_throttled, wait_message
from core.models import ServiceEvent, ServiceItem, Status
from customers.models import Customer
from notifications import links, services
from notifications.forms import MessageTemplateForm
from notifications.models import Message, MessageTemplate, StatusLink
from notifications.rendering import MAX_LOOP_ITERATIONS, MAX_OUTPUT_CHARS, VARIABLES
from notifications.wording import status_words
from service_center.http import client_ip
from service_center.views import InvalidFormStatusMixin

STATUS_PAGE_THROTTLE = Throttle("status-page", *settings.THROTTLE_STATUS_PAGE)
RESEND_THROTTLE = Throttle("message-resend", *settings.THROTTLE_RESEND)
# The statuses by the label a status change records ({"Status": [old label, new label]}).
_STATUS_BY_LABEL = {str(label): value for value, label in Status.choices}


def _for_customers(response, *, referrer="no-referrer"):
    """Headers of the pages customers open from a link: never indexed, and the secret in the address never sent on
    as a referrer (no-store comes from PrivatePagesMiddleware).

    A page with a form uses `strict-origin`: with no-referrer, Chromium posts forms with `Origin: null`, which
    Django's CSRF check refuses; with strict-origin the form posts with its `Origin`, and every request from the
    page (the site's own style sheets and images included) carries only the origin as referrer, never the
    address with its secret.
    """
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = referrer
    return response


def customer_timeline(item: ServiceItem) -> list[tuple]:
    """What the customer may see of the job's history: taken in, status changes in their words, messages sent.
    No staff names, no notes."""
    entries = []
    events = item.events.filter(
        kind__in=[ServiceEvent.Kind.CREATED, ServiceEvent.Kind.STATUS, ServiceEvent.Kind.MESSAGE]
    ).order_by("created_at", "id")
    for event in events:
        if event.kind == ServiceEvent.Kind.CREATED:
            text = "We received your item"
        elif event.kind == ServiceEvent.Kind.STATUS:
            new = _STATUS_BY_LABEL.get(next(iter(event.changes.values()), ["", ""])[1])
            if new is None:
                continue
            text = status_words(new)[0]
        else:
            text = event.note
        entries.append((event.created_at, text))
    return entries[::-1]


class StatusPageView(TemplateView):
    """The customer's page for one job, opened from the link in a message or the code on the claim slip."""

    template_name = "notifications/status.html"

    def get(self, request, *args, **kwargs):
        refused = refuse_if_throttled(request, (STATUS_PAGE_THROTTLE, client_ip(request)), count=True)
        if refused:
            return _for_customers(refused)
        link = StatusLink.objects.get_valid(kwargs["token"])
        if link is None:
            raise Http404("No such status page.")
        if request.user.has_perm("core.view_serviceitem"):  # staff scanning the slip land on the job
            return redirect(link.item)
        return _for_customers(self.render_to_response(self.get_context_data(link=link)))

    def get_context_data(self, link, **kwargs):
        item = link.item
        headline, explanation = status_words(item.status)
        return super().get_context_data(
            item=item,
            headline=headline,
            explanation=explanation,
            timeline=customer_timeline(item),
            shop_contact=settings.SHOP_CONTACT,
            link=link,
        )


class UnsubscribeView(TemplateView):
    """The link in every message: a page that asks, then a POST that turns the customer's consent off."""

    template_name = "notifications/unsubscribe.html"

    @cached_property
    def customer(self):
        customer_id = links.customer_id_from(self.kwargs["signed"])
        if customer_id is None or not Customer.objects.filter(pk=customer_id).exists():
            raise Http404("No such link.")
        return customer_id

    def get_context_data(self, **kwargs):
        return super().get_context_data(shop_contact=settings.SHOP_CONTACT, **kwargs)

    def get(self, request, *args, **kwargs):
        self.customer  # noqa: B018 (a bad link is a 404)
        return _for_customers(super().get(request, *args, **kwargs), referrer="strict-origin")

    def post(self, request, *args, **kwargs):
        services.unsubscribe(customer_id=self.customer)
        return _for_customers(self.render_to_response(self.get_context_data(done=True)), referrer="strict-origin")


class FailedMessagesView(PermissionRequiredMixin, ListView):
    """Managers: every message that could not be delivered, newest first."""

    permission_required = "notifications.view_message"
    template_name = "notifications/message_failed_list.html"
    paginate_by = 50
    context_object_name = "failed_messages"

    def get_queryset(self):
        return Message.objects.failed()


class ResendView(PermissionRequiredMixin, View):
    permission_required = "notifications.resend_message"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        original = get_object_or_404(Message, pk=kwargs["pk"])
        key = f"customer:{original.customer_id}"
        if wait := RESEND_THROTTLE.retry_after(key):
            why = f"A customer gets at most {RESEND_THROTTLE.limit} messages sent again in an hour."
            response = render(
                request, "429.html", {"message": wait_message(wait), "why": why}, status=HTTPStatus.TOO_MANY_REQUESTS
            )
            response["Retry-After"] = str(wait)
            return response
        RESEND_THROTTLE.hit(key)
        try:
            message = services.resend(message_id=original.pk, actor=request.user)
        except services.NotificationError as error:
            messages.error(request, str(error))
            return redirect("notifications:failed")
        if message.status == Message.Status.SUPPRESSED:
            messages.warning(request, f"Not sent: {message.reason}")
        else:  # queued: the worker writes and sends it (a template it cannot use fails it, with the reason)
            messages.success(request, f"“{message.get_event_display()}” is queued to be sent again.")
        return redirect(original.item)


class RevokeLinkView(PermissionRequiredMixin, View):
    permission_required = "notifications.revoke_statuslink"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        item = get_object_or_404(ServiceItem, pk=kwargs["item_pk"])
        if services.revoke_status_link(item_pk=item.pk, actor=request.user):
            messages.success(request, "The status link was revoked. A new slip or message gets a new one.")
        else:
            messages.info(request, "This job had no status link to revoke.")
        return redirect(item)


class TemplateListView(PermissionRequiredMixin, ListView):
    permission_required = "notifications.change_messagetemplate"
    template_name = "notifications/messagetemplate_list.html"
    context_object_name = "templates"

    def get_queryset(self):
        return MessageTemplate.objects.select_related("updated_by")


class TemplateEditView(PermissionRequiredMixin, InvalidFormStatusMixin, FormView):
    """Edit one event's message: "Preview" renders the draft with sample data, "Save" keeps it."""

    permission_required = "notifications.change_messagetemplate"
    form_class = MessageTemplateForm
    template_name = "notifications/messagetemplate_form.html"

    @cached_property
    def template(self):
        return get_object_or_404(MessageTemplate, event=self.kwargs["event"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A POST is checked on a blank template, so that self.template keeps what is saved.
        blank = MessageTemplate(event=self.template.event)
        kwargs["instance"] = self.template if self.request.method == "GET" else blank
        kwargs["initial"] = {"version": self.template.version}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            template=self.template,
            variables=VARIABLES,
            max_loop_iterations=MAX_LOOP_ITERATIONS,
            max_output_chars=f"{MAX_OUTPUT_CHARS:,}",
            **kwargs,
        )

    def form_valid(self, form):
        if "preview" in self.request.POST:
            preview = form.preview(logo_url=static(settings.SHOP_LOGO))
            return self.render_to_response(self.get_context_data(form=form, preview=preview))
        data = {name: form.cleaned_data[name] for name in ("enabled", "subject", "body_text", "body_html")}
        try:
            services.save_template(
                template_pk=self.template.pk,
                data=data,
                expected_version=form.cleaned_data["version"],
                actor=self.request.user,
            )
        except services.StaleTemplate as error:
            form.add_error(None, str(error))
            form.data = form.data.copy()
            form.data["version"] = MessageTemplate.objects.get(pk=self.template.pk).version
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = HTTPStatus.CONFLICT
            return response
        messages.success(self.request, f"The message “{self.template}” was saved.")
        return redirect("notifications:template-list")
