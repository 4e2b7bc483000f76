from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("status/<str:token>/", views.StatusPageView.as_view(), name="status"),
    path("messages/unsubscribe/<str:signed>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
    path("messages/failed/", views.FailedMessagesView.as_view(), name="failed"),
    path("messages/<int:pk>/resend/", views.ResendView.as_view(), name="message-resend"),
    path("messages/templates/", views.TemplateListView.as_view(), name="template-list"),
    path("messages/templates/<str:event>/", views.TemplateEditView.as_view(), name="template-edit"),
    path("status-links/<int:item_pk>/revoke/", views.RevokeLinkView.as_view(), name="revoke-link"),
]
