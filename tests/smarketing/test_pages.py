"""What every page shares: the icon, the skip link, one way of writing dates, and the login page
of the embedded demo naming its logins."""

import datetime

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from smarketing.accounts import demo_users_ensure
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_portals_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)


def test_pages_name_their_icon_and_skip_to_the_main_content(client_for, rep):
    page = client_for(rep).get(reverse("leads:list")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page
    assert (
        '<a class="visually-hidden-focusable sm-skip-link" href="#main">Skip to main content</a>'
        in page
    )
    assert 'id="main" tabindex="-1"' in page


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


def test_the_login_page_names_the_demo_logins_where_they_exist(client):
    assert b"Demo logins" not in client.get(reverse("login")).content
    demo_users_ensure()
    page = client.get(reverse("login")).content.decode()
    assert "Demo logins: admin, marketing, sales, manager — password <code>demo</code>" in page


def test_the_login_page_never_names_demo_logins_in_production(client, settings):
    demo_users_ensure()
    settings.DEMO_USERS_ALLOWED = False  # as with DEBUG off
    assert b"Demo logins" not in client.get(reverse("login")).content


def test_the_lead_list_has_no_id_twice(client_for, rep):
    LeadFactory()
    page = client_for(rep).get(reverse("leads:list")).content.decode()
    assert page.count('id="id_owner"') == 1  # the filter's owner
    assert page.count('id="id_bulk_owner"') == 1  # the bulk form's
