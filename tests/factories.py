from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User

from smarketing.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``UserFactory(role=Role.SALES)`` puts them in that role's group."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("secret-password")

    @factory.post_generation
    def role(self, create: bool, role: Role | None, **kwargs) -> None:
        if create and role is not None:
            self.groups.add(Group.objects.get(name=Role(role).value))
            if role == Role.ADMIN:
                self.is_staff = True
                self.save(update_fields=["is_staff"])
