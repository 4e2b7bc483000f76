import csv
import datetime
from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from accounts.throttle import Throttle, refuse_if_throttled
from billing import reports, services
from billing.forms import (
    AnswerForm,
    CancelInvoiceForm,
    DiscountLimitsForm,
    LineForm,
    PaymentForm,
    PreapprovalForm,
    PriceItemForm,
    ReportForm,
)
from billing.models import Estimate, EstimateLine, Invoice, Payment, PriceItem
from billing.money import Rules, format_money
from core.models import ServiceItem, Status
from notifications.models import StatusLink
from service_center.forms import EARLIEST_DATE
from service_center.http import client_ip
from service_center.views import InvalidFormStatusMixin

# The price list and discount limits --------------------------------------------------------------------------------


class PriceListView(PermissionRequiredMixin, ListView):
    permission_required = "billing.view_priceitem"
    model = PriceItem
    template_name = "billing/priceitem_list.html"
    context_object_name = "entries"

    def get_context_data(self, **kwargs):
        # Read per request, so that a changed setting shows (tests change it).
        return super().get_context_data(
            **kwargs, currency=settings.CURRENCY, prices_include_tax=settings.PRICES_INCLUDE_TAX
        )


class PriceItemFormView(PermissionRequiredMixin, InvalidFormStatusMixin, FormView):
    form_class = PriceItemForm
    template_name = "billing/priceitem_form.html"

    def get_permission_required(self):
        return ["billing.change_priceitem" if "pk" in self.kwargs else "billing.add_priceitem"]

    @cached_property
    def entry(self):
        return get_object_or_404(PriceItem, pk=self.kwargs["pk"]) if "pk" in self.kwargs else None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A POST is validated on a copy, so that the service compares the version saved with the form's.
        if self.request.method == "GET" or self.entry is None:
            kwargs["instance"] = self.entry
        else:
            kwargs["instance"] = PriceItem(pk=self.entry.pk)
            kwargs["instance"]._state.adding = False  # the unique code check leaves the entry itself out
        if self.entry is not None:
            kwargs["initial"] = {"version": self.entry.version}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(entry=self.entry, **kwargs)

    def form_valid(self, form):
        entry = form.save(commit=False)
        try:
            services.save_price_item(price_item=entry, expected_version=form.cleaned_data.get("version"))
        except services.BillingError as error:
            form.add_error(None, str(error))
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = HTTPStatus.CONFLICT
            return response
        messages.success(self.request, _("%(code)s saved.") % {"code": entry.code})
        return redirect("billing:price-list")


class DiscountLimitsView(PermissionRequiredMixin, InvalidFormStatusMixin, FormView):
    permission_required = "billing.change_discountlimit"
    form_class = DiscountLimitsForm
    template_name = "billing/discount_limits.html"

    def form_valid(self, form):
        services.set_discount_limits(limits=form.limits(), actor=self.request.user, request=self.request)
        messages.success(self.request, _("Discount limits saved."))
        return redirect("billing:discount-limits")


# A job's money -----------------------------------------------------------------------------------------------------


class JobMixin(PermissionRequiredMixin):
    @cached_property
    def item(self):
        return get_object_or_404(ServiceItem.objects.select_related("customer"), pk=self.kwargs["number"])


def job_context(item, user, **forms):
    """What the job's money page shows; bound forms with errors replace the blank ones."""
    estimate = services.latest_estimate(item)
    lines, totals = services.priced_lines(estimate)
    approved = services.approved_estimate(item)
    context = {
        "item": item,
        "balance": services.balance(item),
        "estimate": estimate,
        "lines": lines,
        "totals": totals,
        "approved": approved,
        "versions": item.estimates.order_by("-number"),
        "invoices": item.invoices.select_related("cancels").order_by("issued_at", "id"),
        "active_invoice": services.active_invoice(item),
        "payments": item.payments.select_related("received_by").order_by("received_at", "id"),
        "preapproved_limit": services.preapproved_limit(item),
        "out_of_stock": [line for line in lines if line.price_item and line.price_item.out_of_stock],
    }
    if user.has_perm("billing.change_estimate") and estimate and estimate.is_draft and not item.is_closed:
        context["line_form"] = forms.get("line_form") or LineForm()
    if user.has_perm("billing.add_payment"):
        context["payment_form"] = forms.get("payment_form") or PaymentForm(user=user)
    if user.has_perm("billing.change_jobaccount") and not item.is_closed:
        context["preapproval_form"] = forms.get("preapproval_form") or PreapprovalForm(
            initial={
                "limit": limit
                if (limit := context["preapproved_limit"]) is None
                else Rules.from_settings().round(limit)
            }
        )
    return context


class JobView(JobMixin, TemplateView):
    permission_required = "billing.view_estimate"
    template_name = "billing/job.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**job_context(self.item, self.request.user), **kwargs)


def refusal_status(error: services.BillingError) -> HTTPStatus:
    """400 for an amount too large to record (bad input), 409 for a write the job's state refuses."""
    return HTTPStatus.BAD_REQUEST if isinstance(error, services.AmountOutOfRange) else HTTPStatus.CONFLICT


class JobActionView(JobMixin, View):
    """A POST about a job's money. A refusal shows the job's money page again with the reason (400 or 409)."""

    http_method_names = ["post"]
    form_class = None
    form_name = ""

    def get_form(self):
        return self.form_class(self.request.POST) if self.form_class else None

    def act(self, form):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form is not None and not form.is_valid():
            return self.refuse(form, status=HTTPStatus.BAD_REQUEST)
        try:
            message = self.act(form)
        except services.BillingError as error:
            if form is None:
                messages.error(request, str(error))
                return self.refuse(None, status=refusal_status(error))
            form.add_error(None, str(error))
            return self.refuse(form, status=refusal_status(error))
        messages.success(request, message)
        if request.POST.get("back") == "item":
            return redirect(self.item)
        return redirect("billing:job", number=self.item.pk)

    def refuse(self, form, *, status):
        forms = {self.form_name: form} if form is not None else {}
        context = job_context(self.item, self.request.user, **forms)
        if form is not None and context.get(self.form_name) is not form:
            # The page has no place for this form now (no draft any more, say): the reason goes on top.
            for error in form.non_field_errors():
                messages.error(self.request, error)
        return render(self.request, "billing/job.html", context, status=status)


class PreapprovalView(JobActionView):
    permission_required = "billing.change_jobaccount"
    form_class = PreapprovalForm
    form_name = "preapproval_form"

    def act(self, form):
        limit = form.cleaned_data["limit"]
        services.set_preapproval(item_pk=self.item.pk, limit=limit, actor=self.request.user)
        if limit is None:
            return _("Every estimate now needs the customer’s approval.")
        return _("The customer agrees to work up to %(amount)s.") % {"amount": format_money(limit)}


class PaymentView(JobActionView):
    permission_required = "billing.add_payment"
    form_name = "payment_form"

    def get_form(self):
        if self.request.POST.get("payment-kind") == Payment.Kind.REFUND and not self.request.user.has_perm(
            "billing.refund_payment"
        ):
            raise PermissionDenied
        return PaymentForm(self.request.POST, user=self.request.user)

    def act(self, form):
        payment = services.record_payment(
            item_pk=self.item.pk, actor=self.request.user, request=self.request, **form.cleaned_data
        )
        return _("%(kind)s of %(amount)s recorded.") % {
            "kind": payment.get_kind_display(),
            "amount": format_money(payment.amount),
        }


class EstimateStartView(JobActionView):
    permission_required = "billing.add_estimate"

    def act(self, form):
        estimate = services.start_estimate(item_pk=self.item.pk, actor=self.request.user)
        return _("Version %(number)s is a draft: add its lines, then send it.") % {"number": estimate.number}


class DraftMixin:
    def draft(self):
        estimate = services.latest_estimate(self.item)
        if estimate is None or not estimate.is_draft:
            raise services.BillingError(_("There is no draft estimate: start a new version first."))
        return estimate


class LineAddView(DraftMixin, JobActionView):
    permission_required = "billing.change_estimate"
    form_class = LineForm
    form_name = "line_form"

    def act(self, form):
        data = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
        services.add_line(estimate_pk=self.draft().pk, actor=self.request.user, **data)
        return _("Line added.")


class LineRemoveView(DraftMixin, JobActionView):
    permission_required = "billing.change_estimate"

    def act(self, form):
        line = EstimateLine.objects.filter(pk=self.kwargs["line"], estimate__item=self.item).first()
        if line is None:
            raise Http404
        services.remove_line(line_pk=line.pk, actor=self.request.user)
        return _("Line removed.")


class EstimateSendView(DraftMixin, JobActionView):
    permission_required = "billing.send_estimate"

    def act(self, form):
        estimate = services.send_estimate(estimate_pk=self.draft().pk, actor=self.request.user)
        if estimate.status == Estimate.Status.APPROVED:
            return _("Version %(number)s is within the amount agreed at take-in: approved.") % {
                "number": estimate.number
            }
        return _("Version %(number)s was sent to the customer.") % {"number": estimate.number}


class InvoiceIssueView(JobActionView):
    """GET: what the invoice will hold beside what the customer approved; POST: issue it."""

    permission_required = "billing.add_invoice"
    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        context = job_context(self.item, request.user)
        context["approved_lines"], context["approved_totals"] = services.priced_lines(context["approved"])
        return render(request, "billing/invoice_issue.html", context)

    def act(self, form):
        invoice = services.issue_invoice(item_pk=self.item.pk, actor=self.request.user)
        self.invoice = invoice
        return _("Invoice %(number)s issued.") % {"number": invoice.number}


class InvoiceMixin(PermissionRequiredMixin):
    @cached_property
    def invoice(self):
        return get_object_or_404(
            Invoice.objects.select_related("item", "estimate", "approved_estimate", "cancels"),
            number=self.kwargs["number"],
        )


class InvoiceDetailView(InvoiceMixin, DetailView):
    permission_required = "billing.view_invoice"
    template_name = "billing/invoice_detail.html"
    context_object_name = "invoice"

    def get_object(self, queryset=None):
        return self.invoice

    def get_context_data(self, **kwargs):
        invoice = self.invoice
        approved_lines, approved_totals = services.priced_lines(invoice.approved_estimate)
        return super().get_context_data(
            lines=invoice.lines.all(),
            approved_lines=approved_lines,
            approved_totals=approved_totals,
            credit_note=Invoice.objects.filter(cancels=invoice).first(),
            balance=services.balance(invoice.item),
            **kwargs,
        )


class InvoiceCancelView(InvoiceMixin, InvalidFormStatusMixin, FormView):
    permission_required = "billing.cancel_invoice"
    form_class = CancelInvoiceForm
    template_name = "billing/invoice_cancel.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(invoice=self.invoice, **kwargs)

    def form_valid(self, form):
        try:
            credit = services.cancel_invoice(
                invoice_pk=self.invoice.pk,
                reason=form.cleaned_data["reason"],
                actor=self.request.user,
                request=self.request,
            )
        except services.BillingError as error:
            form.add_error(None, str(error))
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = HTTPStatus.CONFLICT
            return response
        messages.success(
            self.request,
            _("Invoice %(invoice)s is cancelled by credit note %(credit)s.")
            % {"invoice": self.invoice.number, "credit": credit.number},
        )
        return redirect(credit)


# Reports -----------------------------------------------------------------------------------------------------------


class ReportView(PermissionRequiredMixin, TemplateView):
    """A report as a page, or as CSV when the URL says so (`as_csv`); the period comes from the query string."""

    permission_required = "billing.view_reports_invoice"
    as_csv = False
    name = ""
    default_days = 30
    has_period = True  # False: the report shows no period form, so a refused one is explained above it

    def get(self, request, *args, **kwargs):
        form = ReportForm(request.GET)
        if not form.is_valid():
            context = {"form": form, "period_refused": not self.has_period}
            return render(request, self.template_name, context, status=HTTPStatus.BAD_REQUEST)
        today = timezone.localdate()
        end = form.cleaned_data.get("end") or today
        # A default period that would begin before the calendar range begins at its first day.
        start = form.cleaned_data.get("start") or max(
            end - datetime.timedelta(days=self.default_days - 1), EARLIEST_DATE
        )
        shown = ReportForm({"start": start, "end": end})  # the period used, defaults filled in
        context = {
            "form": shown,
            "start": start,
            "end": end,
            "query": request.GET.urlencode(),
            **self.data(start, end),
        }
        if self.as_csv:
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{self.name}-{start}-{end}.csv"'
            writer = csv.writer(response)
            for row in self.csv_rows(context):
                writer.writerow(row)
            return response
        return render(request, self.template_name, context)

    def data(self, start, end):
        raise NotImplementedError

    def csv_rows(self, context):
        raise NotImplementedError


def plain(amount):
    """An amount for a spreadsheet: a plain number in the currency's minor unit."""
    return format_money(amount, symbol="").replace(",", "")


class ReportIndexView(PermissionRequiredMixin, TemplateView):
    permission_required = "billing.view_reports_invoice"
    template_name = "billing/reports/index.html"


class TakingsView(ReportView):
    template_name = "billing/reports/takings.html"
    name = "takings"
    default_days = 1

    def data(self, start, end):
        rows = reports.takings(start, end)
        keys = [*Payment.Method.values, "total"]
        return {
            "rows": rows,
            "methods": Payment.Method.choices,
            "totals": reports.totals_row(rows, keys),
            "chart": reports.bar_chart(
                [(f"{row['day']:%m-%d}", row["total"]) for row in rows], title=_("Takings per day")
            )
            if len(rows) > 1
            else None,
        }

    def csv_rows(self, context):
        methods = context["methods"]
        yield ["Day", *(str(label) for _value, label in methods), "Total", "Payments"]
        for row in context["rows"]:
            yield [
                row["day"].isoformat(),
                *(plain(row[value]) for value, _label in methods),
                plain(row["total"]),
                row["count"],
            ]


class BalancesView(ReportView):
    template_name = "billing/reports/balances.html"
    name = "open-balances"
    has_period = False
    page_size = 50

    def data(self, start, end):
        balances = reports.open_balances()
        if self.as_csv:
            return {"balances": balances}
        try:
            page = Paginator(balances.job_ids, self.page_size).page(self.request.GET.get("page", 1))
        except InvalidPage as error:
            raise Http404(_("There is no such page.")) from error
        return {"rows": balances.rows(page.object_list), "page_obj": page, "totals": balances.totals()}

    def csv_rows(self, context):
        yield ["Control no.", "Customer", "Status", "Owed", "Paid", "Due"]
        amounts, ids = context["balances"].amounts, context["balances"].job_ids
        # Plain tuples, not model instances: a sheet of every open job stays quick.
        for start in range(0, len(ids), 2000):
            jobs = ServiceItem.objects.filter(pk__in=ids[start : start + 2000]).order_by("id")
            for number, customer, status in jobs.values_list("id", "customer__name", "status"):
                owed, paid = amounts[number]
                yield [
                    ServiceItem.format_control_number(number),
                    _csv_text(customer or ""),
                    Status(status).label,
                    plain(owed),
                    plain(paid),
                    plain(owed - paid),
                ]


class WaitingView(ReportView):
    template_name = "billing/reports/waiting.html"
    name = "estimates-waiting"
    has_period = False

    def data(self, start, end):
        return {"rows": reports.waiting_estimates()}

    def csv_rows(self, context):
        yield ["Control no.", "Version", "Total", "Sent", "Waiting (hours)"]
        for row in context["rows"]:
            estimate = row["estimate"]
            yield [
                row["item"].control_number,
                estimate.number,
                plain(estimate.gross),
                timezone.localtime(estimate.sent_at).isoformat(timespec="minutes"),
                int(row["waited"].total_seconds() // 3600),
            ]


class RevenueView(ReportView):
    template_name = "billing/reports/revenue.html"
    name = "revenue"
    default_days = 365

    def data(self, start, end):
        revenue = reports.revenue(start, end)
        return {
            "months": revenue.months,
            "kinds": revenue.kinds,
            "totals": reports.totals_row(revenue.months, ["net", "tax", "gross"]),
            "chart": reports.bar_chart(
                [(f"{row['month']:%Y-%m}", row["gross"]) for row in revenue.months], title=_("Revenue per month")
            )
            if revenue.months
            else None,
        }

    def csv_rows(self, context):
        yield ["Month", "Invoices", "Net", "Tax", "Total"]
        for row in context["months"]:
            yield [f"{row['month']:%Y-%m}", row["count"], plain(row["net"]), plain(row["tax"]), plain(row["gross"])]
        yield []
        yield ["Equipment type", "Invoices", "Net", "Total"]
        for row in context["kinds"]:
            yield [_csv_text(row["kind_name"]), row["count"], plain(row["net"]), plain(row["gross"])]


def _csv_text(value):
    """Neutralise a cell a spreadsheet would run as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# The customer's answer -------------------------------------------------------------------------------------------

ANSWER_THROTTLE = Throttle("estimate-answer", *settings.THROTTLE_STATUS_PAGE)


def for_customers(response):
    """Never indexed; the form's page sends only the site's origin as referrer (strict-origin), never its secret
    address, not even to the site's own static files. Not no-referrer: Chromium would then post the form with
    `Origin: null`, which the CSRF check refuses."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "strict-origin"
    return response


class EstimateAnswerView(TemplateView):
    """The customer reads the estimate waiting for them and approves or declines it, typing their name as a
    signature. No login: the status link's secret is the key, as for the status page it is opened from."""

    template_name = "billing/estimate_answer.html"

    def dispatch(self, request, *args, **kwargs):
        refused = refuse_if_throttled(request, (ANSWER_THROTTLE, client_ip(request)), count=True)
        if refused:
            return for_customers(refused)
        self.link = StatusLink.objects.get_valid(kwargs["token"])
        if self.link is None:
            raise Http404("No such estimate.")
        return for_customers(super().dispatch(request, *args, **kwargs))

    def get_context_data(self, *, form=None, **kwargs):
        item = self.link.item
        estimate = services.latest_estimate(item)
        if estimate is not None and estimate.is_draft:  # staff are writing the next version: show the last sent
            estimate = item.estimates.exclude(status=Estimate.Status.DRAFT).order_by("-number").first()
        lines, totals = services.priced_lines(estimate)
        context = {
            "item": item,
            "estimate": estimate,
            "lines": lines,
            "totals": totals,
            "status_url": reverse("notifications:status", kwargs={"token": self.kwargs["token"]}),
            "shop_contact": settings.SHOP_CONTACT,
            "prices_include_tax": settings.PRICES_INCLUDE_TAX,
            **kwargs,
        }
        if estimate is not None and estimate.status == Estimate.Status.SENT and not item.is_closed:
            context["form"] = form or AnswerForm(initial={"version": estimate.number})
        elif form is not None:
            # Nothing left to answer (answered meanwhile, or the job closed): the reason, and no buttons.
            context["refusal"] = form.non_field_errors()
        return super().get_context_data(**context)

    def post(self, request, *args, **kwargs):
        form = AnswerForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=HTTPStatus.BAD_REQUEST)
        answer = (
            services.approve_estimate
            if form.cleaned_data["answer"] == AnswerForm.APPROVE
            else (services.decline_estimate)
        )
        try:
            answer(
                item_pk=self.link.item_id,
                version=form.cleaned_data["version"],
                signed_name=form.cleaned_data["signed_name"],
                ip=client_ip(request),
            )
        except services.BillingError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form), status=HTTPStatus.CONFLICT)
        return redirect(reverse("billing:estimate-answer", kwargs={"token": self.kwargs["token"]}))
