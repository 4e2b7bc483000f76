"""The admin's app config, pointing Django at our admin site (service_center is not an app itself).
https://docs.djangoproject.com/en/5.2/ref/contrib/admin/#overriding-the-default-admin-site"""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "service_center.admin.AdminSite"
