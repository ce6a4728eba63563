"""factory_boy factories. Rows that carry permissions are made through the services, not here."""

from datetime import date

import factory
from django.contrib.auth import get_user_model

from accounts.models import Student

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = factory.Sequence(lambda n: f"Фамилия{n}")
    first_name = "Имя"
    middle_name = "Отчество"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    last_name = factory.Sequence(lambda n: f"Ученик{n}")
    first_name = "Иван"
    middle_name = "Иванович"
    birth_date = date(2015, 3, 1)
    gender = Student.Gender.MALE
