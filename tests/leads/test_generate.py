"""``manage.py generate_data``: exact counts by COPY, clean keys and sequences afterwards."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Lower

from leads.models import Event, Lead, StageTransition
from leads.services import lead_create

pytestmark = pytest.mark.django_db


def _generate(**options) -> None:
    call_command("generate_data", verbosity=0, **options)


def test_it_generates_exactly_the_leads_and_events_asked_for(sales_manager):
    _generate(leads=2000, events=20000)

    assert Lead.objects.count() == 2000
    assert Event.objects.count() == 20000
    emails = list(Lead.objects.values_list("email", flat=True))
    assert len(set(emails)) == len(emails)
    assert all(email == email.lower() for email in emails)
    assert (
        Lead.objects.exclude(stage__in=["subscriber", "lead", "mql", "recycled", "disqualified"])
        .filter(owner__isnull=True)
        .count()
        == 0
    )
    # Every lead has its creation transition, and its last transition is its stage.
    firsts = StageTransition.objects.filter(from_stage="").values("lead").annotate(n=Count("id"))
    assert firsts.count() == 2000 and {row["n"] for row in firsts} == {1}
    last = Lead.objects.filter(pk=Lead.objects.order_by("?").values("pk")[:1]).get()
    assert last.transitions.order_by("-at", "-id").first().to_stage == last.stage


def test_keys_and_sequences_are_sound_afterwards(sales_manager):
    _generate(leads=2000, events=20000)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM leads_event e LEFT JOIN leads_lead l ON l.id = e.lead_id "
            "WHERE l.id IS NULL"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'leads_event'::regclass "
            "AND contype = 'f'"
        )
        assert cursor.fetchone()[0] == 2  # lead and campaign, rebuilt after the load
    newest = Lead.objects.order_by("-id").values_list("id", flat=True).first()
    lead = lead_create(email="New.Person@Example.com", actor=sales_manager)
    assert lead.pk > newest
    assert lead.transitions.count() == 1
    event = Event.objects.create(lead=lead, type="page_view", occurred_at=lead.created_at)
    assert event.pk > 20000
    assert Lead.objects.annotate(e=Lower("email")).filter(e="new.person@example.com").count() == 1


def test_reset_empties_the_tables_first(sales_manager):
    _generate(leads=500, events=1000, seed=1)
    _generate(leads=300, events=900, seed=2, reset=True)

    assert Lead.objects.count() == 300
    assert Event.objects.count() == 900
    assert Lead.objects.order_by("id").first().pk == 1


def test_it_refuses_sqlite_with_a_pointer_to_the_demo(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="load_demo"):
        _generate(leads=10, events=10)
