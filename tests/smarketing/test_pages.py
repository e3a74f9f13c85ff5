"""What every page shares: one way of writing dates."""

import datetime

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_dates_are_written_one_way():
    template = engines["django"].from_string(
        "{{ day|date }} · {{ day|date:'SHORT_DATE_FORMAT' }} · {{ moment|date:'DATETIME_FORMAT' }} · {{ moment }}"
    )
    moment = datetime.datetime(2026, 12, 3, 14, 5, tzinfo=datetime.UTC)
    with timezone.override(datetime.UTC):
        text = template.render({"day": datetime.date(2026, 12, 3), "moment": moment})
    assert text == "3 Dec 2026 · 3 Dec 2026 · 3 Dec 2026, 14:05 · 3 Dec 2026, 14:05"


def test_the_lead_list_shows_the_creation_date_in_that_format(client_for, rep):
    LeadFactory(created_at=datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.UTC))
    assert "9 Mar 2026" in client_for(rep).get(reverse("leads:list")).content.decode()
