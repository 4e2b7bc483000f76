from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import JsonResponse
from django.views import View

from customers.models import Customer


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
