"""Failed logins are throttled per username and per address (django-axes)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "secret-password"
OFFICE = "192.0.2.10"  # addresses from the range kept for documentation
CAFE = "198.51.100.20"


def _log_in(username: str, password: str, *, address: str = OFFICE, client: Client | None = None):
    client = client or Client(REMOTE_ADDR=address)
    return client.post(reverse("login"), {"username": username, "password": password})


def _fail(username: str, times: int, *, address: str = OFFICE) -> None:
    for _ in range(times):
        _log_in(username, "wrong-password", address=address)


def _logged_in(client: Client) -> bool:
    return client.get(reverse("api:me")).status_code == 200


def _let_the_cool_off_pass() -> None:
    """Date every recorded failure back past the cool-off, as if that time had gone by."""
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=past)


def test_thirty_wrong_passwords_lock_the_username_even_for_the_right_one(rep):
    client = Client(REMOTE_ADDR=OFFICE)
    answers = [_log_in("sam", "wrong-password", client=client).status_code for _ in range(30)]
    assert answers.count(200) == settings.AXES_FAILURE_LIMIT - 1  # the form says "wrong"
    assert set(answers[settings.AXES_FAILURE_LIMIT - 1 :]) == {429}

    refused = _log_in("sam", PASSWORD, client=client)
    assert refused.status_code == 429
    assert not _logged_in(client)


def test_a_locked_username_is_refused_from_every_address(rep):
    _fail("sam", settings.AXES_FAILURE_LIMIT, address=OFFICE)
    client = Client(REMOTE_ADDR=CAFE)
    assert _log_in("sam", PASSWORD, client=client).status_code == 429
    assert not _logged_in(client)


def test_the_lockout_page_says_when_to_try_again(rep):
    _fail("sam", settings.AXES_FAILURE_LIMIT)
    page = _log_in("sam", PASSWORD)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    retry_at = timezone.localtime() + settings.AXES_COOLOFF_TIME
    text = page.content.decode()
    assert f"Try again in {minutes} minutes" in text
    assert retry_at.strftime("%H:") in text
    assert page["Retry-After"] == str(minutes * 60)


def test_the_right_password_works_again_after_the_cool_off(rep):
    _fail("sam", 30)
    _let_the_cool_off_pass()
    client = Client(REMOTE_ADDR=OFFICE)
    assert _log_in("sam", PASSWORD, client=client).status_code == 302
    assert _logged_in(client)


def test_one_address_trying_many_usernames_is_locked_out_for_all_of_them(rep):
    for number in range(settings.AXES_FAILURE_LIMIT):
        _log_in(f"guess{number}", "wrong-password", address=OFFICE)

    from_office = Client(REMOTE_ADDR=OFFICE)
    assert _log_in("sam", PASSWORD, client=from_office).status_code == 429
    assert not _logged_in(from_office)
    # The usernames were each tried once: from elsewhere, sam logs in.
    from_cafe = Client(REMOTE_ADDR=CAFE)
    assert _log_in("sam", PASSWORD, client=from_cafe).status_code == 302


def test_behind_a_proxy_each_client_address_is_counted_apart(rep, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    for number in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=OFFICE).post(
            reverse("login"), {"username": f"guess{number}", "password": "wrong-password"}
        )
    # A forged address put in front of the proxy's entry does not escape the lockout.
    forged = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.7, {OFFICE}")
    assert _log_in("sam", PASSWORD, client=forged).status_code == 429
    other = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=CAFE)
    assert _log_in("sam", PASSWORD, client=other).status_code == 302


def test_axes_reset_lifts_the_lockout(rep):
    _fail("sam", 30)
    call_command("axes_reset", verbosity=0)
    assert _log_in("sam", PASSWORD).status_code == 302


def test_an_admin_lifts_a_lockout_in_the_admin(rep, admin_user, client_for):
    _fail("sam", 30)
    admin = client_for(admin_user)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "sam" in listing.content.decode()
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    assert _log_in("sam", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(admin_user):
    _fail("ada", settings.AXES_FAILURE_LIMIT)
    client = Client(REMOTE_ADDR=OFFICE)
    response = client.post(
        reverse("admin:login"), {"username": "ada", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302
