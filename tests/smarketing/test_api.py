import json

import pytest
from django.urls import reverse
from knox.models import AuthToken


@pytest.mark.django_db
def test_a_user_creates_a_token_sees_it_once_and_uses_it(client, client_for, rep):
    page = client_for(rep).post(reverse("api_token_create"))
    token = page.context["new_token"]
    assert token in page.content.decode()
    assert token not in client_for(rep).get(reverse("api_tokens")).content.decode()

    response = client.get(reverse("api:me"), headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200
    assert response.json() == {
        "id": rep.pk,
        "username": "sam",
        "name": rep.get_full_name(),
        "email": "sam@example.com",
        "roles": ["sales"],
    }


@pytest.mark.django_db
def test_a_revoked_token_no_longer_works(client, client_for, rep):
    instance, token = AuthToken.objects.create(user=rep)
    client_for(rep).post(reverse("api_token_revoke", args=[instance.token_key]))
    response = client.get(reverse("api:me"), headers={"Authorization": f"Token {token}"})
    assert response.status_code == 401
    assert response.json() == {"errors": {"detail": ["Invalid token."]}}


@pytest.mark.django_db
def test_a_user_cannot_revoke_someone_elses_token(client_for, rep, other_rep):
    instance, _ = AuthToken.objects.create(user=other_rep)
    response = client_for(rep).post(reverse("api_token_revoke", args=[instance.token_key]))
    assert response.status_code == 404
    assert AuthToken.objects.filter(pk=instance.pk).exists()


@pytest.mark.django_db
def test_api_errors_share_one_json_shape(client, client_for, outsider):
    assert client.get(reverse("api:me")).json() == {
        "errors": {"detail": ["Authentication credentials were not provided."]}
    }
    response = client_for(outsider).get(
        reverse("api:schema"), headers={"Accept": "application/vnd.oai.openapi+json"}
    )
    assert response.status_code == 403
    assert json.loads(response.content) == {
        "errors": {"detail": ["Your role does not give access to this endpoint."]}
    }
    missing = client_for(outsider).get("/api/no-such-thing/")
    assert missing.status_code == 404
    assert missing.json() == {"errors": {"detail": ["Not found."]}}


@pytest.mark.django_db
def test_the_openapi_schema_and_docs_are_served_offline(client_for, rep):
    client = client_for(rep)
    schema = client.get(
        reverse("api:schema"), headers={"Accept": "application/vnd.oai.openapi+json"}
    )
    assert schema.status_code == 200
    assert json.loads(schema.content)["openapi"].startswith("3.")
    assert "/api/me/" in json.loads(schema.content)["paths"]
    docs = client.get(reverse("api:docs")).content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs
    assert "cdn" not in docs.lower()
