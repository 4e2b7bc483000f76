"""The customers' pages: the list and its search, a customer's page, their details and gear, merge, export, erase.

Permissions are checked here (PermissionRequiredMixin: anonymous visitors go to the login page, others without
the permission get 403). A refused change answers 409 with the reason, a form with errors 400.
"""

import json
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from customers import services
from customers.forms import CustomerForm, CustomerSearchForm, EquipmentForm, PickCustomerForm
from customers.models import Customer, Equipment
from service_center.views import InvalidFormStatusMixin

PAGE_SIZE = 25
# How many customers a merge's or a transfer's search lists.
PICK_LIMIT = 10


def refuse(request, message, *, back, status=HTTPStatus.CONFLICT):
    """A change the shop will not make, with the reason and the way back."""
    return render(request, "customers/refused.html", {"message": message, "back": back}, status=status)


def _jobs_model():
    """The logbook's jobs, found through the reverse relation (customers never imports core)."""
    try:
        return Customer._meta.get_field("service_items").related_model
    except FieldDoesNotExist:
        return None


def with_visits(customers):
    """Customers with `job_count` and `last_visit`, each a subquery per row shown (not a count over all jobs)."""
    jobs = _jobs_model()
    if jobs is None:
        return customers
    theirs = jobs.objects.filter(customer=OuterRef("pk")).order_by()
    return customers.annotate(
        job_count=Coalesce(Subquery(theirs.values("customer").annotate(n=Count("pk")).values("n")[:1]), Value(0)),
        last_visit=Subquery(theirs.order_by("-received_at").values("received_at")[:1]),
    )


class CustomerListView(PermissionRequiredMixin, View):
    permission_required = "customers.view_customer"
    template_name = "customers/customer_list.html"

    def get(self, request, *args, **kwargs):
        form = CustomerSearchForm(request.GET)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=HTTPStatus.BAD_REQUEST)
        customers = with_visits(form.filter(Customer.objects.all())).prefetch_related("phones")
        paginator = Paginator(customers, PAGE_SIZE)
        try:
            page = paginator.page(request.GET.get("page", 1))
        except InvalidPage as error:
            raise Http404(_("There is no such page of customers.")) from error
        return render(
            request,
            self.template_name,
            {"form": form, "page_obj": page, "paginator": paginator, "customers": page.object_list},
        )


class CustomerMixin(PermissionRequiredMixin):
    """A page about one customer (`pk` in the URL): 404 when there is none."""

    @cached_property
    def customer(self):
        return get_object_or_404(Customer.objects.prefetch_related("phones"), pk=self.kwargs["pk"])

    def refuse_erased(self):
        return refuse(self.request, _("This customer was erased: their record cannot be changed."), back=self.customer)


class CustomerDetailView(CustomerMixin, TemplateView):
    permission_required = "customers.view_customer"
    template_name = "customers/customer_detail.html"

    def get_context_data(self, **kwargs):
        customer = self.customer
        context = super().get_context_data(customer=customer, **kwargs)
        context["equipment"] = customer.equipment.select_related("kind")
        context["earlier_equipment"] = (
            customer.ownerships.filter(ended_at__isnull=False)
            .exclude(equipment__owner=customer)
            .select_related("equipment__kind")
        )
        jobs = getattr(customer, "service_items", None)
        if jobs is not None:
            context["jobs"] = jobs.select_related("equipment__kind").order_by("-received_at", "-id")
        context["events"] = customer.events.select_related("actor")
        return context


class CustomerFormMixin(InvalidFormStatusMixin):
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def taken(self, form, error: services.PhoneTaken):
        for name in form.phone_names:
            if form.cleaned_data.get(name) == error.as_typed:
                form.add_error(name, form.taken_message(error.owner))
                break
        else:
            form.add_error(None, str(error))
        return self.form_invalid(form)


class CustomerCreateView(PermissionRequiredMixin, CustomerFormMixin, FormView):
    permission_required = "customers.add_customer"

    def form_valid(self, form):
        try:
            customer = services.create_customer(
                data=form.details,
                phones=form.phones,
                consent=form.cleaned_data["consent"],
                consent_method=form.cleaned_data["consent_method"],
                actor=self.request.user,
            )
        except services.PhoneTaken as error:
            return self.taken(form, error)
        messages.success(self.request, _("Customer %(name)s added.") % {"name": customer.name})
        return redirect(customer)


class CustomerUpdateView(CustomerMixin, CustomerFormMixin, FormView):
    permission_required = "customers.change_customer"

    def dispatch(self, request, *args, **kwargs):
        if self.has_permission() and self.customer.is_erased:
            return self.refuse_erased()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A POST is validated on a fresh copy, so that the page's customer keeps what is saved: the service
        # compares versions and writes the change under a row lock.
        saved = self.customer if self.request.method == "GET" else Customer.objects.get(pk=self.customer.pk)
        kwargs["instance"] = saved
        kwargs["initial"] = {"version": self.customer.version}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.customer, **kwargs)

    def form_valid(self, form):
        try:
            customer = services.update_customer(
                customer_pk=self.customer.pk,
                data=form.details,
                phones=form.phones,
                consent=form.cleaned_data["consent"],
                consent_method=form.cleaned_data["consent_method"],
                expected_version=form.cleaned_data["version"],
                actor=self.request.user,
            )
        except services.StaleEdit as stale:
            return self.form_stale(form, stale)
        except services.PhoneTaken as error:
            return self.taken(form, error)
        except services.CustomerError as error:
            return refuse(self.request, str(error), back=self.customer)
        messages.success(self.request, _("%(name)s saved.") % {"name": customer.name})
        return redirect(customer)


class EquipmentFormMixin(InvalidFormStatusMixin):
    form_class = EquipmentForm
    template_name = "customers/equipment_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def serial_taken(self, form, error: services.SerialTaken):
        form.add_error("serial_number", form.taken_message(error.piece))
        return self.form_invalid(form)


class EquipmentCreateView(CustomerMixin, EquipmentFormMixin, FormView):
    permission_required = "customers.add_equipment"

    def dispatch(self, request, *args, **kwargs):
        if self.has_permission() and self.customer.is_erased:
            return self.refuse_erased()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.customer, **kwargs)

    def form_valid(self, form):
        try:
            piece = services.add_equipment(owner=self.customer, data=form.data_for_service, actor=self.request.user)
        except services.SerialTaken as error:
            return self.serial_taken(form, error)
        except services.CustomerError as error:
            return refuse(self.request, str(error), back=self.customer)
        messages.success(self.request, _("%(piece)s added.") % {"piece": piece})
        return redirect(self.customer)


class PieceMixin(PermissionRequiredMixin):
    @cached_property
    def piece(self):
        return get_object_or_404(Equipment.objects.select_related("owner", "kind"), pk=self.kwargs["pk"])


class EquipmentUpdateView(PieceMixin, EquipmentFormMixin, FormView):
    permission_required = "customers.change_equipment"

    def dispatch(self, request, *args, **kwargs):
        if self.has_permission() and self.piece.owner.is_erased:
            return refuse(
                request, _("This piece's owner was erased: its record cannot be changed."), back=self.piece.owner
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        # A POST is validated on a copy: the service reads the saved piece under a row lock.
        piece = self.piece if self.request.method == "GET" else Equipment.objects.get(pk=self.piece.pk)
        return {**super().get_form_kwargs(), "instance": piece}

    def get_context_data(self, **kwargs):
        return super().get_context_data(piece=self.piece, customer=self.piece.owner, **kwargs)

    def form_valid(self, form):
        try:
            piece = services.update_equipment(
                piece_pk=self.piece.pk, data=form.data_for_service, actor=self.request.user
            )
        except services.SerialTaken as error:
            return self.serial_taken(form, error)
        messages.success(self.request, _("%(piece)s saved.") % {"piece": piece})
        return redirect(piece.owner)


class PickCustomerMixin:
    """A search for the other customer of a merge or a transfer (`?q=`), listing up to PICK_LIMIT."""

    def found(self, exclude: Customer):
        form = CustomerSearchForm({"q": self.request.GET.get("q", "")})
        if not form.is_valid() or not form.cleaned_data["q"].strip():
            return form, None
        found = form.filter(Customer.objects.exclude(pk=exclude.pk)).prefetch_related("phones")
        return form, list(found[:PICK_LIMIT])


class EquipmentTransferView(PieceMixin, PickCustomerMixin, View):
    """A piece was sold or given: it belongs to another customer from now on (who owned it when is kept)."""

    # Who owns what is the counter's and the managers' business (technicians edit a piece's details only).
    permission_required = ("customers.change_equipment", "customers.change_customer")
    template_name = "customers/equipment_transfer.html"

    def dispatch(self, request, *args, **kwargs):
        if self.has_permission() and self.piece.owner.is_erased:
            return refuse(request, _("This piece's owner was erased: it cannot change hands."), back=self.piece.owner)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        form, found = self.found(exclude=self.piece.owner)
        status = HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK
        return self.page(search_form=form, found=found, status=status)

    def page(self, *, status=HTTPStatus.OK, **context):
        context = {"piece": self.piece, "customer": self.piece.owner, **context}
        return render(self.request, self.template_name, context, status=status)

    def post(self, request, *args, **kwargs):
        form = PickCustomerForm(request.POST, exclude=self.piece.owner)
        if not form.is_valid():
            return self.page(pick_form=form, search_form=CustomerSearchForm(), status=HTTPStatus.BAD_REQUEST)
        new_owner = form.cleaned_data["other"]
        services.transfer_equipment(piece=self.piece, to=new_owner, actor=request.user)
        messages.success(
            request, _("%(piece)s now belongs to %(name)s.") % {"piece": self.piece, "name": new_owner.name}
        )
        return redirect(new_owner)


class CustomerMergeView(CustomerMixin, PickCustomerMixin, View):
    """Merge another customer's record into this one: search, preview (`?other=<id>`), then confirm (POST)."""

    permission_required = "customers.merge_customer"
    template_name = "customers/customer_merge.html"

    def dispatch(self, request, *args, **kwargs):
        if self.has_permission() and self.customer.is_erased:
            return refuse(request, _("An erased customer cannot be merged: their data is gone."), back=self.customer)
        return super().dispatch(request, *args, **kwargs)

    def page(self, *, status=HTTPStatus.OK, **context):
        return render(self.request, self.template_name, {"customer": self.customer, **context}, status=status)

    def get(self, request, *args, **kwargs):
        if "other" in request.GET:
            return self.preview(PickCustomerForm(request.GET, exclude=self.customer))
        form, found = self.found(exclude=self.customer)
        return self.page(search_form=form, found=found, status=HTTPStatus.BAD_REQUEST if form.errors else 200)

    def preview(self, form):
        if not form.is_valid():
            return self.page(pick_form=form, search_form=CustomerSearchForm(), status=HTTPStatus.BAD_REQUEST)
        other = form.cleaned_data["other"]
        try:
            moves = services.merge_preview(source=other, target=self.customer)
        except services.CustomerError as error:
            return refuse(self.request, str(error), back=self.customer)
        return self.page(other=other, moves=moves, pick_form=form)

    def post(self, request, *args, **kwargs):
        form = PickCustomerForm(request.POST, exclude=self.customer)
        if not form.is_valid():
            return self.page(pick_form=form, search_form=CustomerSearchForm(), status=HTTPStatus.BAD_REQUEST)
        other = form.cleaned_data["other"]
        try:
            services.merge_customers(source=other, target=self.customer, actor=request.user, request=request)
        except services.CustomerError as error:
            return refuse(request, str(error), back=self.customer)
        messages.success(request, _("The two records are now one: %(name)s.") % {"name": self.customer.name})
        return redirect(self.customer)


class CustomerExportView(CustomerMixin, View):
    """Everything held about the customer, as a page to read or print (a request for their data)."""

    permission_required = "customers.export_customer"
    template_name = "customers/customer_export.html"

    def get(self, request, *args, **kwargs):
        data = services.export_customer(customer=self.customer, actor=request.user, request=request)
        response = render(request, self.template_name, {"customer": self.customer, "data": data})
        response["Cache-Control"] = "no-store"
        return response


class CustomerExportJsonView(CustomerMixin, View):
    """The same as a JSON download."""

    permission_required = "customers.export_customer"

    def get(self, request, *args, **kwargs):
        data = services.export_customer(customer=self.customer, actor=request.user, request=request)
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="customer-{self.customer.pk}-{day}.json"'
        response["Cache-Control"] = "no-store"
        return response


class CustomerEraseView(CustomerMixin, View):
    """The customer asked to be forgotten: GET says what happens, POST does it."""

    permission_required = "customers.erase_customer"
    template_name = "customers/customer_confirm_erase.html"

    def get(self, request, *args, **kwargs):
        if self.customer.is_erased:
            return refuse(request, _("This customer was already erased."), back=self.customer)
        counts = services.related_counts(self.customer)
        return render(request, self.template_name, {"customer": self.customer, "counts": counts})

    def post(self, request, *args, **kwargs):
        try:
            services.erase_customer(customer=self.customer, actor=request.user, request=request)
        except services.CustomerError as error:
            return refuse(request, str(error), back=self.customer)
        messages.success(request, _("The customer was erased. Their jobs and gear stay, without their name."))
        return redirect(self.customer)


class CustomerSuggestView(PermissionRequiredMixin, View):
    """Live suggestions for “who is it” at take-in: up to eight customers the typed text finds, as JSON."""

    permission_required = "customers.view_customer"
    http_method_names = ["get"]
    limit = 8

    def get(self, request, *args, **kwargs):
        text = request.GET.get("q", "").strip()[:100]
        found = []
        if text:
            customers = Customer.objects.filter(erased_at__isnull=True).search(text).prefetch_related("phones")
            found = [
                {
                    "id": customer.pk,
                    "name": customer.name,
                    "phones": [phone.as_typed for phone in customer.phones.all()],
                    "email": customer.email,
                }
                for customer in customers[: self.limit]
            ]
        return JsonResponse({"customers": found}, headers={"Cache-Control": "no-store"})
