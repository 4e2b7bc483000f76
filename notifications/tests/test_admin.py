"""The admin: templates editable with the same checks as the managers' page; the outbox and links read-only."""

from http import HTTPStatus

import pytest

from notifications.models import Event, MessageTemplate
from notifications.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_manager_client(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    return client


def test_a_manager_edits_a_template_in_the_admin_and_a_broken_one_is_refused(admin_manager_client, manager):
    template = MessageTemplate.objects.get(event=Event.READY)
    url = f"/admin/notifications/messagetemplate/{template.pk}/change/"
    data = {"enabled": "on", "subject": "Hi {{ nope }}", "body_text": "Ready.", "body_html": ""}
    response = admin_manager_client.post(url, data)
    assert response.status_code == HTTPStatus.OK and "Unknown variable" in response.text
    response = admin_manager_client.post(url, {**data, "subject": "Ready, {{ customer_name }}"})
    assert response.status_code == HTTPStatus.FOUND
    template.refresh_from_db()
    assert (template.subject, template.updated_by, template.version) == ("Ready, {{ customer_name }}", manager, 2)


def test_the_outbox_is_read_only_in_the_admin(admin_manager_client):
    message = MessageFactory()
    assert admin_manager_client.get("/admin/notifications/message/").status_code == HTTPStatus.OK
    page = admin_manager_client.get(f"/admin/notifications/message/{message.pk}/change/")
    assert page.status_code == HTTPStatus.OK and 'name="_save"' not in page.text
