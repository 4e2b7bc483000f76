from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("customers/suggest/", views.CustomerSuggestView.as_view(), name="suggest"),
]
