from django.urls import path

from maintenance import views

app_name = "maintenance"

urlpatterns = [
    path("service-due/", views.DueListView.as_view(), name="due-list"),
    path("service-due/export.csv", views.DueListExportView.as_view(), name="due-export"),
    path("service-due/equipment/<int:pk>/", views.PieceClocksView.as_view(), name="piece-clocks"),
    path("service-due/equipment/<int:pk>/outside/", views.OutsideServiceView.as_view(), name="piece-outside"),
    path(
        "service-due/equipment/<int:pk>/clocks/<int:clock_pk>/interval/",
        views.OwnIntervalView.as_view(),
        name="piece-interval",
    ),
    path("service-due/equipment/<int:pk>/gear-page/", views.GearPageSwitchView.as_view(), name="piece-gear-page"),
    path("service-due/equipment/<int:pk>/sticker/", views.StickerView.as_view(), name="piece-sticker"),
    path("service-due/jobs/<int:item_pk>/clocks/", views.JobClocksView.as_view(), name="job-clocks"),
    path("gear/<str:token>/", views.gear_page, name="gear-page"),
]
