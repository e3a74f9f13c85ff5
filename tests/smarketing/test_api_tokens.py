"""API tokens expire and can be revoked, by their owner or by an admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from knox.models import AuthToken

pytestmark = pytest.mark.django_db


def _me(token: str):
    return Client().get(reverse("api:me"), headers={"Authorization": f"Token {token}"})


def test_a_new_token_expires_after_the_configured_lifetime_and_the_page_says_when(client_for, rep):
    page = client_for(rep).post(reverse("api_token_create"))
    instance = AuthToken.objects.get(user=rep)
    lifetime = settings.REST_KNOX["TOKEN_TTL"]
    # Knox stamps the expiry a moment before the creation time: equal to the second.
    assert abs(instance.expiry - instance.created - lifetime) < timedelta(seconds=1)
    text = page.content.decode()
    assert date_format(timezone.localtime(instance.expiry), "DATETIME_FORMAT") in text
    assert f"Each token expires {lifetime.days} days after it is created" in text


def test_an_expired_token_is_refused_in_the_api_error_shape(client_for, rep):
    instance, token = AuthToken.objects.create(user=rep, expiry=timedelta(days=1))
    assert _me(token).status_code == 200
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))

    response = _me(token)
    assert response.status_code == 401
    assert response.json() == {"errors": {"detail": ["Invalid token."]}}


def test_the_tokens_page_marks_an_expired_token(client_for, rep):
    instance, _ = AuthToken.objects.create(user=rep, expiry=timedelta(days=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(hours=1))
    page = client_for(rep).get(reverse("api_tokens")).content.decode()
    assert "Expired" in page


def test_an_admin_revokes_every_token_of_a_user(client_for, admin_user, rep, other_rep):
    revoked = [AuthToken.objects.create(user=rep)[1] for _ in range(2)]
    _, kept = AuthToken.objects.create(user=other_rep)
    admin = client_for(admin_user)
    listing = admin.get(reverse("admin:knox_authtoken_changelist"), {"q": "sam"})
    assert listing.status_code == 200
    selected = [token.pk for token in listing.context["cl"].result_list]
    assert len(selected) == 2

    admin.post(
        reverse("admin:knox_authtoken_changelist"),
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )
    assert [_me(token).status_code for token in revoked] == [401, 401]
    assert _me(kept).status_code == 200
