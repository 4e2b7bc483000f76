import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.models import ServiceEvent, ServiceItem


class ServiceItemFactory(factory.django.DjangoModelFactory):
    customer_name = factory.Faker("name")
    customer_phone = factory.Sequence(lambda n: f"+1 555 {n:07d}")
    item = "Regulator first stage"
    item_type = "Regulator"
    brand = "Apeks"
    model = "XTX50"
    serial_number = factory.Sequence(lambda n: f"00AB{n:06d}")
    requested_service = "Annual service"
    received_at = factory.LazyFunction(timezone.now)
    received_by = factory.SubFactory(UserFactory)

    class Meta:
        model = ServiceItem
        skip_postgeneration_save = True

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            ServiceEvent.objects.create(item=self, actor=self.received_by, kind=ServiceEvent.Kind.CREATED)


def staff_user(group_name, **kwargs):
    """A user in one of the staff groups that the logbook migration creates."""
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def put_in_group_through_admin(client, manager, user, group_name):
    """A manager (made staff) opens `user` in the admin and saves it with this one group ticked."""
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    return client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_active": "on",
            "groups": [Group.objects.get(name=group_name).pk],
        },
    )
