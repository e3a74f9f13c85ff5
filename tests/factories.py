from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from leads.search import leads_search_write
from sla.models import Agreement, Function
from sla.services import agreement_draft, agreement_sign
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


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Company"

    name = factory.Faker("company")
    domain = factory.Sequence(lambda n: f"company{n}.example.com")
    industry = "Software"
    employee_count = 120
    size_band = "51-200"
    country = "DE"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Campaign"

    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = "email"


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead in the ``lead`` stage; pass ``stage=``, ``owner=``, scores as needed."""

    class Meta:
        model = "leads.Lead"
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    job_title = "Head of Marketing"
    company = factory.SubFactory(CompanyFactory)
    stage = "lead"

    @factory.post_generation
    def search(lead, create, extracted, **kwargs):
        if create:
            leads_search_write(type(lead).objects.filter(pk=lead.pk))


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Event"

    lead = factory.SubFactory(LeadFactory)
    type = "page_view"
    occurred_at = factory.LazyFunction(timezone.now)
    properties = factory.LazyFunction(lambda: {"url": "https://example.com/blog"})


def _seeded_reasons() -> dict[str, tuple]:
    from importlib import import_module

    migration = import_module("leads.migrations.0028_rejection_reasons")
    return {row[0]: (position, *row) for position, row in enumerate(migration.REASONS, start=1)}


def rejection_reason(code: str = "no-budget"):
    """One of the seeded rejection reasons (written again if a flush removed the seed)."""
    from leads.models import RejectionReason

    position, _code, label, description, note_required = _seeded_reasons()[code]
    reason, _ = RejectionReason.objects.get_or_create(
        code=code,
        defaults={
            "label": label,
            "description": description,
            "note_required": note_required,
            "position": position * 10,
        },
    )
    return reason


def rejection_reasons_seed() -> list:
    """Every seeded rejection reason, for tests whose database a flush emptied."""
    return [rejection_reason(code) for code in _seeded_reasons()]


AGREEMENT_TERMS = {
    "mqls_per_month": 100, "min_accepted_percent": 60, "first_touch_hours": Decimal(2),
    "touches_required": 3, "touches_within_days": 5, "decision_hours": Decimal(8),
}  # fmt: skip


def signed_agreement(*, admin, marketer, sales_manager, effective_from, **terms):
    """An SLA version in force since ``effective_from``, drafted and signed by both teams."""
    data = {**AGREEMENT_TERMS, **terms, "effective_from": effective_from}
    draft = agreement_draft(actor=admin, data=data)
    agreement_sign(agreement=draft, user=marketer, function=Function.MARKETING)
    agreement_sign(agreement=draft, user=sales_manager, function=Function.SALES)
    # Drafting refuses a start in the past; the history under test began earlier.
    Agreement.objects.filter(pk=draft.pk).update(effective_from=effective_from)
    return Agreement.objects.get(pk=draft.pk)
