import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count

from core.models import ServiceEvent, ServiceItem, Status
from core.tests.factories import ServiceItemFactory
from customers.models import Customer, CustomerPhone, Equipment, Ownership
from service_center.roles import STAFF_GROUPS

pytestmark = pytest.mark.django_db


def seed(capsys=None, **options):
    call_command("seed_demo", **{"items": 120, "batch_size": 50, "seed": 7, **options})
    return capsys.readouterr().out if capsys else None


def test_seed_demo_creates_staff_in_each_group_and_items_with_history(settings, capsys):
    settings.DEBUG = True
    out = seed(capsys)
    users = get_user_model().objects.filter(username__in=["frontdesk", "tech", "tech2", "manager"])
    assert {user.groups.get().name for user in users} == set(STAFF_GROUPS)
    assert ServiceItem.objects.count() == 120
    assert ServiceEvent.objects.filter(kind=ServiceEvent.Kind.CREATED).count() == 120
    assert ServiceItem.objects.exclude(status=Status.RECEIVED).exists()
    assert "50 / 120 items" in out
    assert "120 / 120 items" in out
    # It prints the passwords, and they work.
    line = next(line for line in out.splitlines() if line.strip().startswith("manager "))
    password = line.split()[-1]
    assert get_user_model().objects.get(username="manager").check_password(password)


def test_seed_demo_history_follows_the_workflow(settings):
    settings.DEBUG = True
    call_command("seed_demo", items=200, seed=3, stdout=None)
    for item in ServiceItem.objects.exclude(status=Status.RECEIVED)[:50]:
        changes = list(
            item.events.filter(kind=ServiceEvent.Kind.STATUS).order_by("id").values_list("changes", flat=True)
        )
        assert changes, item
        assert changes[-1]["Status"][1] == item.get_status_display()


def test_returning_customers_share_one_record_and_a_third_come_back(settings):
    settings.DEBUG = True
    seed()
    customers = Customer.objects.annotate(jobs=Count("service_items"))
    assert not customers.filter(jobs=0).exists()
    assert customers.filter(jobs__gte=2).count() * 3 >= customers.count()
    # A returning customer's jobs are on their one record, with pieces of their own.
    regular = customers.filter(jobs__gte=3).first()
    assert regular is not None
    assert {job.equipment.owner_id for job in regular.service_items.select_related("equipment")} == {regular.pk}
    assert Customer.objects.filter(name=regular.name, phones__number=regular.phones.first().number).count() == 1


def test_seeded_gear_is_a_dive_shops_with_serial_numbers_and_history(settings):
    settings.DEBUG = True
    seed()
    kinds = set(Equipment.objects.values_list("kind__name", flat=True))
    assert kinds <= {"Regulator", "BCD", "Dive computer", "Cylinder", "Drysuit"} and len(kinds) >= 4
    assert Equipment.objects.exclude(serial_number="").count() > Equipment.objects.count() * 0.7
    assert Ownership.objects.filter(ended_at=None).count() == Equipment.objects.count()
    assert Customer.objects.filter(consent=True, consent_method="counter").exists()
    assert CustomerPhone.objects.values("customer").annotate(n=Count("id")).filter(n=2).exists()


def test_seeded_phones_are_fictional_unique_and_in_the_shops_region(settings):
    settings.DEBUG = True
    seed()
    numbers = [phone.number for phone in CustomerPhone.objects.all()]
    assert len({number.as_e164 for number in numbers}) == len(numbers)
    for number in numbers:
        assert phonenumbers.is_possible_number(number) and number.country_code == 1
        assert str(number.national_number)[3:6] == "555"


def test_search_finds_a_seeded_customer_by_the_phone_typed_another_way(settings):
    settings.DEBUG = True
    seed()
    phone = CustomerPhone.objects.select_related("customer").order_by("pk")[5]
    digits = str(phone.number.national_number)
    for typed in (f"{digits[:3]}.{digits[3:6]}.{digits[6:]}", f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}"):
        assert phone.customer in Customer.objects.search(typed), typed
        jobs = ServiceItem.objects.search(typed)
        assert set(jobs) == set(phone.customer.service_items.all()), typed
    # The search text is the one the models write when a customer or job is saved.
    job = phone.customer.service_items.first()
    assert job.search_document == job.build_search_document()
    assert phone.customer.search_document == phone.customer.build_search_document()


def test_seed_demo_again_with_reset_leaves_no_duplicates(settings, capsys):
    settings.DEBUG = True
    seed()
    kept = ServiceItemFactory(customer_name="Walk-in Customer")  # not the demo's: --reset leaves it alone
    assert "Deleted the demo jobs, customers and equipment: 120 jobs" in seed(capsys, reset="demo")
    assert ServiceItem.objects.count() == 121
    assert Customer.objects.filter(pk=kept.customer_id).exists()
    assert not Customer.objects.values("name", "email").annotate(n=Count("id")).filter(n__gt=1, email__gt="")
    assert get_user_model().objects.filter(username="manager").count() == 1
    # Once more without --reset: new customers beside them, never a phone or serial number twice.
    seed()
    assert ServiceItem.objects.count() == 241
    assert CustomerPhone.objects.values("number").annotate(n=Count("id")).filter(n__gt=1).count() == 0


def test_seed_demo_reset_all_empties_the_logbook_and_customers_first(settings, capsys):
    settings.DEBUG = True
    ServiceItemFactory()
    out = seed(capsys, reset="all", items=10)
    assert "Deleted the jobs, customers and equipment: 1 jobs, 1 customers" in out
    assert ServiceItem.objects.count() == 10


def test_seed_demo_says_how_two_factor_works_for_its_staff(settings, capsys):
    settings.DEBUG = True
    settings.REQUIRE_2FA_FOR_STAFF = True
    assert "asked to set it up" in seed(capsys, items=5)
    settings.REQUIRE_2FA_FOR_STAFF = False
    assert "two-factor" not in seed(capsys, items=5).lower()


def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", items=5)
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", items=5, reset="all")
    assert not ServiceItem.objects.exists()
    call_command("seed_demo", items=5, force=True)
    assert ServiceItem.objects.count() == 5


def test_seed_demo_refuses_a_negative_count(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("seed_demo", items=-1)
