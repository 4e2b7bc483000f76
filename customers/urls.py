from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("customers/suggest/", views.CustomerSuggestView.as_view(), name="suggest"),
    # Placeholder until the customer pages land (branch c11-pages replaces this file).
    path("customers/<int:pk>/", views.CustomerSuggestView.as_view(), name="customer-detail"),
]
