import factory

from customers.models import Customer, CustomerPhone, Equipment, EquipmentType, Ownership


class CustomerFactory(factory.django.DjangoModelFactory):
    name = factory.Faker("name")
    # "rosa@example.com" for Rosa Reyes; a name Faker starts with a title ("Mr. Steven Padilla") gets a plain one.
    email = factory.LazyAttributeSequence(
        lambda customer, n: (
            f"{first.lower()}@example.com"
            if (first := customer.name.split()[0]).isalpha()
            else f"customer{n}@example.com"
        )
    )

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    @factory.post_generation
    def phone(self, create, extracted, **kwargs):
        """CustomerFactory(phone="+1 555 0100") gives the customer that number; by default a unique one."""
        if not create:
            return
        if extracted is not False:
            PhoneFactory(customer=self, as_typed=extracted) if extracted else PhoneFactory(customer=self)
        self.refresh_search_document()


class PhoneFactory(factory.django.DjangoModelFactory):
    customer = factory.SubFactory(CustomerFactory, phone=False)
    # Real-looking US numbers, all different: (202) 500-0000, (202) 500-0001, ...
    as_typed = factory.Sequence(lambda n: f"(202) {500 + n // 10000 % 400}-{n % 10000:04d}")
    # The field reads the number in PHONENUMBER_DEFAULT_REGION and stores it as E.164.
    number = factory.SelfAttribute("as_typed")

    class Meta:
        model = CustomerPhone
        skip_postgeneration_save = True

    @factory.post_generation
    def searchable(self, create, extracted, **kwargs):
        if create:
            self.customer.refresh_search_document()


def equipment_type(name="Regulator"):
    """One of the types the customers migration creates (tests that empty the tables get it made again)."""
    return EquipmentType.objects.filter(name__iexact=name).first() or EquipmentType.objects.create(name=name)


class EquipmentFactory(factory.django.DjangoModelFactory):
    owner = factory.SubFactory(CustomerFactory)
    kind = factory.LazyFunction(equipment_type)
    brand = "Apeks"
    model = "XTX50"
    serial_number = factory.Sequence(lambda n: f"00AB{n:06d}")

    class Meta:
        model = Equipment
        skip_postgeneration_save = True

    @factory.post_generation
    def ownership(self, create, extracted, **kwargs):
        if create:
            Ownership.objects.create(equipment=self, customer=self.owner, started_at=self.created_at)
            self.owner.refresh_search_document()
