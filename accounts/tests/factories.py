import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

GOOD_PASSWORD = "tide-chart-regulator-42"


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True


def staff_user(group_name, **kwargs):
    """A user in one of the staff groups (service_center/roles.py) that the migrations create."""
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


class RegistrationDataFactory(factory.DictFactory):
    """What the registration page posts: the address only."""

    email = "newdiver@example.com"


class SignUpDataFactory(factory.DictFactory):
    """What the page behind the mailed link posts for the new account."""

    username = "newdiver"
    first_name = "Nia"
    last_name = "Diver"
    password1 = GOOD_PASSWORD
    password2 = GOOD_PASSWORD
