import collections.abc
import csv
import hashlib
import itertools
from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.cache import cache
from django.core.paginator import EmptyPage, InvalidPage, PageNotAnInteger
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView

from core import services
from core.forms import ITEM_FIELDS, AssignForm, EditForm, LogbookFilterForm, NoteForm, StatusForm, TakeInForm
from core.models import LogbookRevision, Priority, ServiceItem, Status
from customers import services as customers
from customers.models import Customer, CustomerPhone
from service_center.downloads import Echo, spreadsheet_safe
from service_center.views import InvalidFormStatusMixin


class IndexView(View):
    """The home page: the logbook for staff who may see it, a welcome for everyone else.

    The list itself (counts, rows, pages) is the same for every member of staff, so it is rendered once per
    search and logbook revision and then served from the cache; any saved or deleted item starts a new revision.
    """

    template_name = "core/serviceitem_list.html"
    cache_seconds = 600

    def get(self, request, *args, **kwargs):
        if not request.user.has_perm("core.view_serviceitem"):
            return render(request, "core/index.html")
        form = LogbookFilterForm(request.GET)
        if not form.is_valid():
            return render(request, self.template_name, {"filter_form": form}, status=HTTPStatus.BAD_REQUEST)
        return render(request, self.template_name, {"filter_form": form, "logbook": self.logbook(request, form)})

    def logbook(self, request, form):
        query = urlencode(sorted(request.GET.lists()), doseq=True)
        key = f"logbook:{LogbookRevision.current()}:{hashlib.sha256(query.encode()).hexdigest()}"
        parts = cache.get(key)
        if parts is None:
            context = self.logbook_context(request, form)
            parts = {
                "counts": render_to_string("core/includes/logbook_counts.html", context, request),
                "table": render_to_string("core/includes/logbook_table.html", context, request),
            }
            cache.set(key, parts, self.cache_seconds)
        return {name: mark_safe(html) for name, html in parts.items()}  # noqa: S308 (our own rendered templates)

    def logbook_context(self, request, form):
        """Rows, counts and pages at a cost that does not grow with the logbook: the counts of the whole logbook
        (and of a status tab) come from the counters the database keeps; any other filter or a search counts at
        most BOUND + 1 items and says "more than" beyond; a page in the older half is read from the other end."""
        data = form.cleaned_data
        status = data.get("status") or ""
        narrowed = any(data.get(name) for name in ("q", "technician", "received_from", "received_to"))
        listed = form.filter(ServiceItem.objects.all())
        found = None
        if narrowed:
            counts, found = form.filter(ServiceItem.objects.all(), by_status=False).bounded_status_counts(BOUND)
            if found is not None:  # all of them: the page is sorted from these, not searched for again
                total = counts[status] if status else len(found)
                order = form.SORTS[data.get("sort") or "-received"]
                listed = ServiceItem.objects.filter(pk__in=found).order_by(*order)
                if status:
                    listed = listed.filter(status=status)
            else:
                total = listed.bounded_count(BOUND) if status else None
                counts = dict.fromkeys(counts)  # a sample's numbers: none shown
        else:
            counts = ServiceItem.objects.status_counts()
            total = counts[status] if status else sum(counts.values())
        paginator = LogbookPaginator(listed, settings.LOGBOOK_PAGE_SIZE, total)
        try:
            page = paginator.page(request.GET.get("page", 1))
        except InvalidPage as error:
            raise Http404(_("There is no such page of the logbook.")) from error
        return {
            "page_obj": page,
            "paginator": paginator,
            "object_list": page.object_list,
            "status_counts": [(status, counts[status.value]) for status in Status],
            "current_status": status,
            "count_bound": BOUND,
        }


# Beyond this many items a filtered or searched logbook says "more than 1,000" instead of counting them all.
BOUND = 1000


class LogbookPaginator:
    """Django's Paginator for the logbook, without COUNT(*) and without walking a long OFFSET.

    `count` is given (from the counters, or a bounded count) or None when more than BOUND match: then the number
    of pages is unknown, a page exists when it has rows, and the links go to the next and previous pages only.
    Rows are read as ids first (an index-only walk of the sort's index), then the 25 rows themselves; a page in
    the older half of a known count is read from the other end, in reverse order, so that the last page costs
    what the first does.
    """

    def __init__(self, queryset, per_page, count):
        self.queryset, self.per_page, self.count = queryset, per_page, count
        self.bounded = count is None
        self.num_pages = None if count is None else max(1, -(-count // per_page))

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(_("That page number is not an integer")) from error
        if number < 1 or (self.num_pages is not None and number > self.num_pages):
            raise EmptyPage(_("That page contains no results"))
        return number

    def page(self, number):
        number = self.validate_number(number)
        offset = (number - 1) * self.per_page
        if self.count is not None and offset > self.count // 2:
            size = min(self.per_page, self.count - offset)
            start = self.count - offset - size
            ids = list(self.queryset.reverse().values_list("pk", flat=True)[start : start + size])[::-1]
            more = number < self.num_pages
        else:
            ids = list(self.queryset.values_list("pk", flat=True)[offset : offset + self.per_page + 1])
            more, ids = len(ids) > self.per_page, ids[: self.per_page]
            if not ids and number > 1:
                raise EmptyPage(_("That page contains no results"))
        rows = ServiceItem.objects.for_logbook().in_bulk(ids)
        return LogbookPage([rows[pk] for pk in ids if pk in rows], number, self, more)


class LogbookPage(collections.abc.Sequence):
    """One page of the logbook, as templates use Django's Page."""

    def __init__(self, object_list, number, paginator, more):
        self.object_list, self.number, self.paginator, self.more = object_list, number, paginator, more

    def __len__(self):
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self):
        return self.more

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


class ItemPermissionMixin(PermissionRequiredMixin):
    """Anonymous visitors go to the login page; logged-in users without the permission get the 403 page."""

    @cached_property
    def item(self):
        return get_object_or_404(ServiceItem.objects.for_detail(), pk=self.kwargs["number"])


class ItemCreateView(ItemPermissionMixin, InvalidFormStatusMixin, FormView):
    """Take-in: “who is it” first (a search that suggests customers as the clerk types), then their piece, then
    the job. `?customer=<id>` starts with that customer picked; `?who=<text>` lists the customers it finds (what
    the page does when scripts are off)."""

    permission_required = "core.add_serviceitem"
    form_class = TakeInForm
    template_name = "core/serviceitem_form.html"
    suggestions = 10

    @cached_property
    def customer(self):
        pk = self.request.GET.get("customer", "")
        if not pk.isdigit() or len(pk) > 12:
            return None
        return Customer.objects.filter(pk=pk, erased_at__isnull=True).prefetch_related("phones").first()

    def get(self, request, *args, **kwargs):
        if "customer" in request.GET and self.customer is None:
            messages.error(request, _("That customer no longer exists. Search for them again."))
            return redirect("core:item-create")
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET":
            kwargs["customer"] = self.customer
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        who = self.request.GET.get("who", "").strip()[:100]
        context["who"] = who
        if who:
            found = Customer.objects.filter(erased_at__isnull=True).search(who).prefetch_related("phones")
            context["found_customers"] = list(found[: self.suggestions])
        return context

    def form_valid(self, form):
        item = form.save(commit=False)
        item.assigned_to = form.cleaned_data["assigned_to"]
        customer, piece = form.cleaned_data["customer"], form.cleaned_data["equipment"]
        if customer is not None:
            item.customer = customer
        if piece is not None:
            item.equipment = piece
        known = customers.find_customer_by_phone(form.cleaned_data["phone"]) if customer is None else None
        try:
            item, created = services.take_in(
                item=item,
                received_by=self.request.user,
                intake_token=form.cleaned_data["intake_token"],
                new_customer=None if customer is not None else form.new_customer(),
                new_piece=None if piece is not None else form.new_piece(),
            )
        except customers.CustomerError as error:  # a piece registered by another customer a moment ago
            form.add_error(None, str(error))
            response = self.form_invalid(form)
            response.status_code = HTTPStatus.CONFLICT
            return response
        if created and known is not None:
            messages.info(
                self.request,
                _("The number %(phone)s is %(name)s’s: the job is on their record.")
                % {"phone": form.cleaned_data["phone"], "name": known.name},
            )
        if created:
            messages.success(self.request, _("Item %(number)s taken in.") % {"number": item.control_number})
        else:
            messages.info(
                self.request, _("This form was already saved as %(number)s.") % {"number": item.control_number}
            )
        return HttpResponseRedirect(item.get_absolute_url())


class ItemDetailView(ItemPermissionMixin, DetailView):
    permission_required = "core.view_serviceitem"
    template_name = "core/serviceitem_detail.html"
    context_object_name = "item"

    def get_object(self, queryset=None):
        return self.item

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, item = self.request.user, self.object
        context["events"] = item.events.select_related("actor")
        if user.has_perm("core.change_status_serviceitem") and item.allowed_next_statuses(user):
            context.setdefault("status_form", StatusForm(item=item, user=user))
        if user.has_perm("core.change_serviceitem") and not item.is_closed:
            context.setdefault("assign_form", AssignForm(initial={"assigned_to": item.assigned_to_id}))
        if user.has_perm("core.add_note_serviceitem"):
            context.setdefault("note_form", NoteForm())
        return context


class ItemActionView(ItemPermissionMixin, View):
    """A POST from a form on the item page. A refusal shows the item page again with the reason (4xx)."""

    http_method_names = ["post"]
    form_name = ""

    def get_form(self, item):
        raise NotImplementedError

    def act(self, item, form):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        item = self.item
        form = self.get_form(item)
        if not form.is_valid():
            return self.refuse(item, form, status=HTTPStatus.BAD_REQUEST)
        try:
            message = self.act(item, form)
        except services.LogbookError as error:
            form.add_error(None, str(error))
            return self.refuse(item, form, status=HTTPStatus.CONFLICT)
        messages.success(request, message)
        return redirect(item)

    def refuse(self, item, form, *, status):
        detail = ItemDetailView(request=self.request, kwargs=self.kwargs, object=item)
        response = detail.render_to_response(detail.get_context_data(**{self.form_name: form}))
        response.status_code = status
        return response


class ItemStatusView(ItemActionView):
    permission_required = "core.change_status_serviceitem"
    form_name = "status_form"

    def get_form(self, item):
        return StatusForm(self.request.POST, item=item, user=self.request.user)

    def act(self, item, form):
        item = services.change_status(
            item_pk=item.pk,
            to_status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            actor=self.request.user,
            request=self.request,
        )
        return _("%(number)s is now “%(status)s”.") % {
            "number": item.control_number,
            "status": item.get_status_display(),
        }


class ItemAssignView(ItemActionView):
    permission_required = "core.change_serviceitem"
    form_name = "assign_form"

    def get_form(self, item):
        return AssignForm(self.request.POST)

    def act(self, item, form):
        technician = form.cleaned_data["assigned_to"]
        services.assign(item_pk=item.pk, technician=technician, actor=self.request.user)
        if technician:
            return _("Assigned to %(name)s.") % {"name": technician}
        return _("No technician is assigned now.")


class ItemNoteView(ItemActionView):
    permission_required = "core.add_note_serviceitem"
    form_name = "note_form"

    def get_form(self, item):
        return NoteForm(self.request.POST)

    def act(self, item, form):
        services.add_note(item_pk=item.pk, text=form.cleaned_data["text"], actor=self.request.user)
        return _("Note added.")


class ItemUpdateView(ItemPermissionMixin, InvalidFormStatusMixin, FormView):
    permission_required = "core.change_serviceitem"
    form_class = EditForm
    template_name = "core/serviceitem_form.html"

    def dispatch(self, request, *args, **kwargs):
        # Only someone who may edit learns that the item is closed (or missing); the others are refused by
        # PermissionRequiredMixin.dispatch().
        if self.has_permission() and self.item.is_closed:
            messages.error(request, _("This item is closed; only notes can be added."))
            return redirect(self.item)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A POST is validated on a blank item, so that self.item keeps what is saved: services.update_item()
        # compares versions and writes the change under a row lock.
        kwargs["instance"] = self.item if self.request.method == "GET" else ServiceItem()
        kwargs["initial"] = {"version": self.item.version}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(item=self.item, **kwargs)

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in ITEM_FIELDS}
        try:
            services.update_item(
                item_pk=self.item.pk, data=data, expected_version=form.cleaned_data["version"], actor=self.request.user
            )
        except services.StaleEdit as stale:
            return self.form_stale(form, stale)
        except services.LogbookError as error:
            messages.error(self.request, str(error))
            return redirect(self.item)
        messages.success(self.request, _("%(number)s saved.") % {"number": self.item.control_number})
        return redirect(self.item)


class ItemSlipView(ItemPermissionMixin, DetailView):
    permission_required = "core.print_slip_serviceitem"
    template_name = "core/serviceitem_slip.html"
    context_object_name = "item"

    def get_object(self, queryset=None):
        return self.item

    def get_context_data(self, **kwargs):
        return super().get_context_data(shop_contact=settings.SHOP_CONTACT, terms=settings.CLAIM_SLIP_TERMS, **kwargs)


class ItemDeleteView(ItemPermissionMixin, DetailView):
    permission_required = "core.delete_serviceitem"
    template_name = "core/serviceitem_confirm_delete.html"
    context_object_name = "item"

    def get_object(self, queryset=None):
        return self.item

    def post(self, request, *args, **kwargs):
        item = self.item
        try:
            number = services.delete_mistaken(item_pk=item.pk, actor=request.user)
        except services.LogbookError as error:
            messages.error(request, str(error))
            return redirect(item)
        messages.success(request, _("%(number)s was deleted.") % {"number": number})
        return redirect("core:index")


class ItemExportView(ItemPermissionMixin, View):
    """The logbook's current search as CSV, streamed row by row: a million items never sit in memory."""

    permission_required = "core.export_serviceitem"
    COLUMNS = {
        "Control no.": "id",
        "Customer": "customer__name",
        "Phone": "first_phone",
        "Email": "customer__email",
        "Item type": "equipment__kind__name",
        "Brand": "equipment__brand",
        "Model": "equipment__model",
        "Serial number": "equipment__serial_number",
        "Item": "item",
        "Requested service": "requested_service",
        "Accessories": "accessories",
        "Status": "status",
        "Priority": "priority",
        "Received": "received_at",
        "Received by": "received_by__username",
        "Assigned to": "assigned_to__username",
        "Promised": "promised_on",
    }

    def get(self, request, *args, **kwargs):
        form = LogbookFilterForm(request.GET)
        if not form.is_valid():
            # The logbook page shows what is wrong with the filters, with a 400.
            return IndexView.as_view()(request)
        # Plain tuples rather than model instances: three times faster over a million rows.
        jobs = form.filter(ServiceItem.objects.all()).annotate(first_phone=self.first_phone())
        rows = jobs.values_list(*self.COLUMNS.values()).iterator(chunk_size=2000)
        writer = csv.writer(Echo())
        lines = itertools.chain([writer.writerow(self.COLUMNS)], (writer.writerow(self.cells(row)) for row in rows))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="logbook-{timezone.localdate():%Y-%m-%d}.csv"'
        return response

    @staticmethod
    def first_phone():
        """The customer's first phone number as typed, in the same query."""
        phones = CustomerPhone.objects.filter(customer=OuterRef("customer_id")).order_by("position", "id")
        return Subquery(phones.values("as_typed")[:1])

    @cached_property
    def labels(self):
        return {**{v: str(label) for v, label in Status.choices}, **{v: str(label) for v, label in Priority.choices}}

    def cells(self, row):
        (number, *texts, status, priority, received_at, received_by, assigned_to, promised_on) = row
        return [
            ServiceItem.format_control_number(number),
            *(spreadsheet_safe(text) for text in texts),
            self.labels[status],
            self.labels[priority],
            timezone.localtime(received_at).strftime("%Y-%m-%d %H:%M"),
            spreadsheet_safe(received_by),
            spreadsheet_safe(assigned_to or ""),
            promised_on.isoformat() if promised_on else "",
        ]
