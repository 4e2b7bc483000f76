from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.CustomerListView.as_view(), name="customer-list"),
    path("customers/new/", views.CustomerCreateView.as_view(), name="customer-create"),
    path("customers/suggest/", views.CustomerSuggestView.as_view(), name="suggest"),
    path("customers/<int:pk>/", views.CustomerDetailView.as_view(), name="customer-detail"),
    path("customers/<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="customer-update"),
    path("customers/<int:pk>/equipment/new/", views.EquipmentCreateView.as_view(), name="equipment-create"),
    path("customers/<int:pk>/merge/", views.CustomerMergeView.as_view(), name="customer-merge"),
    path("customers/<int:pk>/export/", views.CustomerExportView.as_view(), name="customer-export"),
    path("customers/<int:pk>/export.json", views.CustomerExportJsonView.as_view(), name="customer-export-json"),
    path("customers/<int:pk>/erase/", views.CustomerEraseView.as_view(), name="customer-erase"),
    path("equipment/<int:pk>/edit/", views.EquipmentUpdateView.as_view(), name="equipment-update"),
    path("equipment/<int:pk>/transfer/", views.EquipmentTransferView.as_view(), name="equipment-transfer"),
]
