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
