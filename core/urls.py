from django.urls import path, register_converter

from core import views
from core.converters import ControlNumberConverter

app_name = "core"
register_converter(ControlNumberConverter, "control")

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("items/new/", views.ItemCreateView.as_view(), name="item-create"),
    path("items/export.csv", views.ItemExportView.as_view(), name="item-export"),
    path("items/<control:number>/", views.ItemDetailView.as_view(), name="item-detail"),
    path("items/<control:number>/edit/", views.ItemUpdateView.as_view(), name="item-update"),
    path("items/<control:number>/status/", views.ItemStatusView.as_view(), name="item-status"),
    path("items/<control:number>/assign/", views.ItemAssignView.as_view(), name="item-assign"),
    path("items/<control:number>/notes/", views.ItemNoteView.as_view(), name="item-note"),
    path("items/<control:number>/slip/", views.ItemSlipView.as_view(), name="item-slip"),
    path("items/<control:number>/delete/", views.ItemDeleteView.as_view(), name="item-delete"),
]
