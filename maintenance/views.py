import csv
import functools
import itertools
from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import InvalidPage, Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from accounts.throttle import Throttle, refuse_if_throttled
from core.models import ServiceItem
from customers.models import Customer, CustomerPhone, Equipment
from maintenance import services
from maintenance.forms import DueListFilterForm, GearPageForm, JobClocksForm, OutsideServiceForm, OwnIntervalForm
from maintenance.models import EquipmentClock, GearPage, Reminder, ServiceClock, ServiceRecord
from service_center.downloads import Echo, spreadsheet_safe
from service_center.http import client_ip
from service_center.qr import qr_svg

GEAR_PAGE_THROTTLE = Throttle("gear-page", *settings.THROTTLE_GEAR_PAGE)


@functools.cache
def _customer_pages() -> bool:
    try:
        reverse("customers:customer-detail", kwargs={"pk": 1})
    except NoReverseMatch:
        return False
    return True


def customer_url(customer: Customer) -> str | None:
    """The customer's page, where the site has one (the customers app's pages)."""
    return customer.get_absolute_url() if _customer_pages() else None


def due_rows(form: DueListFilterForm, today):
    """The clocks in force that the filters ask for, due by the form's horizon, earliest first (the index's order)."""
    return form.filter(EquipmentClock.objects.in_force().due_by(form.horizon(today))).order_by("next_due_on", "pk")


def count_due(form: DueListFilterForm, today) -> int:
    """How many rows due_rows() has, counted on the (clock, next due) index: a range per clock in force."""
    in_force = list(ServiceClock.objects.in_force().values_list("pk", flat=True))
    return form.filter(EquipmentClock.objects.filter(clock__in=in_force).due_by(form.horizon(today))).count()


def with_last_reminder(rows):
    last_reminder = Reminder.objects.filter(equipment_clock=OuterRef("pk"), due_on=OuterRef("next_due_on"))
    return rows.annotate(reminded_on=Subquery(last_reminder.order_by("-sent_on").values("sent_on")[:1]))


class DueListView(PermissionRequiredMixin, View):
    """What falls due soon and what is overdue, per customer, the most overdue customer first.

    Pages are pages of clocks, read along the next-due index (a page costs the same at 100,000 pieces as at
    100). Each customer is shown once, complete, on the page of their earliest due clock.
    """

    permission_required = "maintenance.view_due_list"
    template_name = "maintenance/due_list.html"
    clocks_per_page = 50

    def get(self, request, *args, **kwargs):
        form = DueListFilterForm(request.GET)
        if not form.is_valid():
            return render(request, self.template_name, {"filter_form": form}, status=HTTPStatus.BAD_REQUEST)
        today = services.today()
        rows = due_rows(form, today)
        paginator = Paginator(rows.values_list("pk", "equipment__owner_id"), self.clocks_per_page)
        paginator.count = count_due(form, today)
        try:
            page = paginator.page(request.GET.get("page", 1))
        except InvalidPage as error:
            raise Http404(_("There is no such page of the due list.")) from error
        on_page = {pk for pk, _owner in page.object_list}
        owners = list(dict.fromkeys(owner for _pk, owner in page.object_list))
        groups = {}
        # Their pieces by the owner index, then their clocks by the piece: never a walk of the whole list.
        pieces = list(Equipment.objects.filter(owner__in=owners).order_by().values_list("pk", flat=True))
        for row in with_last_reminder(rows.filter(equipment__in=pieces).for_lists()):
            group = groups.setdefault(row.equipment.owner_id, {"customer": row.equipment.owner, "rows": []})
            group["first_on_page"] = group.get("first_on_page", row.pk in on_page)
            group["rows"].append(row)
        shown = [groups[owner] for owner in owners if groups[owner]["first_on_page"]]
        for group in shown:
            group["why_no_reminder"] = services.why_no_reminder(group["customer"])
            group["url"] = customer_url(group["customer"])
        context = {
            "filter_form": form,
            "groups": shown,
            "page_obj": page,
            "paginator": paginator,
            "today": today,
            "horizon": form.horizon(today),
        }
        return render(request, self.template_name, context)


class DueListExportView(PermissionRequiredMixin, View):
    """The due list as it is filtered, as CSV, streamed: one line per clock, with how to reach the customer."""

    permission_required = "maintenance.export_due_list"
    COLUMNS = [
        "Customer",
        "Email",
        "Phone",
        "Reminders",
        "Equipment type",
        "Brand",
        "Model",
        "Serial number",
        "Clock",
        "Last done",
        "Next due",
        "Overdue",
        "Reminded on",
    ]

    def get(self, request, *args, **kwargs):
        form = DueListFilterForm(request.GET)
        if not form.is_valid():
            return DueListView.as_view()(request)
        today = services.today()
        phone = CustomerPhone.objects.filter(customer=OuterRef("equipment__owner")).order_by("position", "id")
        rows = (
            with_last_reminder(due_rows(form, today))
            .for_lists()
            .annotate(phone=Subquery(phone.values("as_typed")[:1]))
            .order_by("equipment__owner__name", "equipment__owner_id", "next_due_on", "pk")
        )
        writer = csv.writer(Echo())
        lines = itertools.chain(
            [writer.writerow(self.COLUMNS)], (writer.writerow(self.cells(row, today)) for row in rows.iterator(2000))
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="service-due-{today:%Y-%m-%d}.csv"'
        return response

    def cells(self, row, today):
        piece, owner = row.equipment, row.equipment.owner
        texts = [
            owner.name,
            owner.email,
            row.phone,
            services.why_no_reminder(owner) or _("Yes"),
            piece.kind.name,
            piece.brand,
            piece.model,
            piece.serial_number,
            row.clock.name,
        ]
        return [
            *(spreadsheet_safe(text) for text in texts),
            row.last_done_on.isoformat() if row.last_done_on else "",
            row.next_due_on.isoformat(),
            _("Yes") if row.is_overdue(today) else _("No"),
            row.reminded_on.isoformat() if row.reminded_on else "",
        ]


def interval_prefix(row: EquipmentClock) -> str:
    """Each clock's interval form on a piece's page has its own field names and ids."""
    return f"clock{row.pk}"


class PieceMixin(PermissionRequiredMixin):
    @cached_property
    def piece(self):
        return get_object_or_404(Equipment.objects.select_related("kind", "owner"), pk=self.kwargs["pk"])


class PieceDetailView(PieceMixin, DetailView):
    context_object_name = "piece"

    def get_object(self, queryset=None):
        return self.piece


def clocks_in_force(piece) -> list[EquipmentClock]:
    return list(EquipmentClock.objects.in_force().filter(equipment=piece).select_related("clock"))


class PieceClocksView(PieceDetailView):
    """A piece's clocks for staff: last and next dates, its own intervals, service done elsewhere, its sticker."""

    permission_required = "maintenance.view_equipmentclock"
    template_name = "maintenance/piece_clocks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, piece = self.request.user, self.piece
        clocks = clocks_in_force(piece)
        context.update(
            clocks=clocks,
            records=ServiceRecord.objects.filter(equipment=piece).select_related("clock", "recorded_by", "item")[:50],
            gear_page=GearPage.objects.filter(equipment=piece).first(),
            owner_url=customer_url(piece.owner),
            today=services.today(),
        )
        if user.has_perm("maintenance.add_servicerecord") and clocks:
            context.setdefault("outside_form", OutsideServiceForm(clocks=[row.clock for row in clocks]))
        if user.has_perm("maintenance.change_equipmentclock"):
            failed = context.get("interval_form")
            for row in clocks:
                if failed is not None and failed.prefix == interval_prefix(row):
                    row.interval_form = failed
                else:
                    row.interval_form = OwnIntervalForm(
                        initial={"months": row.interval_months}, prefix=interval_prefix(row)
                    )
        return context


class PieceActionView(PieceMixin, View):
    """A POST from a form on a piece's page; a refusal shows the page again with the reason (4xx)."""

    http_method_names = ["post"]
    form_name = ""

    def get_form(self):
        raise NotImplementedError

    def act(self, form):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_valid():
            return self.refuse(form, status=HTTPStatus.BAD_REQUEST)
        try:
            message = self.act(form)
        except services.MaintenanceError as error:
            form.add_error(None, str(error))
            return self.refuse(form, status=HTTPStatus.CONFLICT)
        messages.success(request, message)
        return redirect("maintenance:piece-clocks", pk=self.piece.pk)

    def refuse(self, form, *, status):
        page = PieceClocksView(request=self.request, kwargs=self.kwargs, object=self.piece)
        response = page.render_to_response(page.get_context_data(**{self.form_name: form}))
        response.status_code = status
        return response

    def piece_clocks(self):
        return [
            row.clock for row in EquipmentClock.objects.in_force().filter(equipment=self.piece).select_related("clock")
        ]


class OutsideServiceView(PieceActionView):
    permission_required = "maintenance.add_servicerecord"
    form_name = "outside_form"

    def get_form(self):
        return OutsideServiceForm(self.request.POST, clocks=self.piece_clocks())

    def act(self, form):
        services.record_service(
            equipment=self.piece,
            clocks=form.cleaned_data["clocks"],
            done_on=form.cleaned_data["done_on"],
            source=ServiceRecord.Source.OUTSIDE,
            actor=self.request.user,
            done_by=form.cleaned_data["done_by"],
            note=form.cleaned_data["note"],
        )
        return _("Service done elsewhere recorded.")


class OwnIntervalView(PieceActionView):
    permission_required = "maintenance.change_equipmentclock"
    form_name = "interval_form"

    def get_form(self):
        self.row = get_object_or_404(EquipmentClock, equipment=self.piece, pk=self.kwargs["clock_pk"])
        return OwnIntervalForm(self.request.POST, prefix=interval_prefix(self.row))

    def act(self, form):
        row = services.set_own_interval(
            equipment_clock_pk=self.row.pk, months=form.cleaned_data["months"], actor=self.request.user
        )
        return _("%(clock)s: next due %(date)s.") % {
            "clock": row.clock.name,
            "date": services.readable(row.next_due_on),
        }


class GearPageSwitchView(PieceActionView):
    permission_required = "maintenance.change_gearpage"
    form_name = "gear_form"

    def get_form(self):
        return GearPageForm(self.request.POST)

    def act(self, form):
        enabled = form.cleaned_data["enabled"]
        services.switch_gear_page(equipment=self.piece, enabled=enabled, actor=self.request.user)
        if enabled:
            return _("The gear page is on. Print the sticker and put it on the piece.")
        return _("The gear page is off: its sticker leads nowhere now.")


class StickerView(PieceDetailView):
    """The printable sticker: the QR code of the gear page and what the piece is."""

    permission_required = "maintenance.view_gearpage"
    template_name = "maintenance/sticker.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = GearPage.objects.filter(equipment=self.piece, enabled=True).first()
        if page is not None:
            context["gear_url"] = settings.SITE_URL.rstrip("/") + page.get_absolute_url()
            context["qr_svg"] = qr_svg(context["gear_url"], css_class="qr-code-svg")
        return context


class JobClocksView(PermissionRequiredMixin, View):
    """The technician's ticks on a job's page: the clocks it resets when released."""

    permission_required = "maintenance.reset_clocks"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        item = get_object_or_404(ServiceItem.objects.select_related("equipment"), pk=self.kwargs["item_pk"])
        form = JobClocksForm(request.POST, clocks=services.job_clocks(item))
        if not form.is_valid():
            messages.error(request, _("Choose among the clocks shown."))
            return redirect(item)
        try:
            services.choose_job_clocks(
                item_pk=item.pk, clock_ids=[clock.pk for clock in form.cleaned_data["clocks"]], actor=request.user
            )
        except services.MaintenanceError as error:
            messages.error(request, str(error))
            return redirect(item)
        messages.success(
            request,
            _("Saved: the ticked clocks are reset when %(number)s is released.") % {"number": item.control_number},
        )
        return redirect(item)


def gear_page(request, token):
    """The piece's public page from its sticker: what it is and when its service is due. Nothing about anyone.
    Its answers, the 429 of a visitor trying too many included, are kept out of search engines and referrers."""
    response = _gear_page(request, token)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _gear_page(request, token):
    if refused := refuse_if_throttled(request, (GEAR_PAGE_THROTTLE, client_ip(request)), count=True):
        return refused
    page = GearPage.from_token(token)
    if page is None:
        raise Http404(_("There is no such gear page."))
    if request.user.has_perm("maintenance.view_equipmentclock"):
        return redirect("maintenance:piece-clocks", pk=page.equipment_id)
    clocks = EquipmentClock.objects.in_force().filter(equipment_id=page.equipment_id).select_related("clock")
    return render(
        request,
        "maintenance/gear_page.html",
        {"piece": page.equipment, "clocks": clocks, "today": services.today(), "shop_contact": settings.SHOP_CONTACT},
    )
