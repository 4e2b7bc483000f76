from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from service_center import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The admin logs in through the site's own login: throttled, and with the second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    # ...and changes passwords through the site's own page: the current password throttled, the other sessions
    # ended, a mail to the user and the audit trail.
    path("admin/password_change/", RedirectView.as_view(pattern_name="accounts:password-change")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("customers.urls")),
    path("", include("core.urls")),
    path("", include("notifications.urls")),
    path("", include("billing.urls")),
    path("", include("maintenance.urls")),
]

handler500 = "service_center.views.server_error"
