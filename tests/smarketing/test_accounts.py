import pytest
from django.urls import reverse

from tests.helpers import PRODUCTION_ENV, manage


@pytest.mark.django_db
def test_a_rep_logs_in_and_lands_on_the_pipeline(client, rep):
    response = client.post(
        reverse("login"), {"username": "sam", "password": "secret-password"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("leads:board")
    assert b"Pipeline" in response.content


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message(client, rep):
    response = client.post(reverse("login"), {"username": "sam", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


@pytest.mark.django_db
def test_every_page_needs_a_login(client):
    response = client.get(reverse("leads:board"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('leads:board')}"


@pytest.mark.django_db
def test_htmx_requests_without_a_login_redirect_the_whole_page(client):
    response = client.get(reverse("leads:board"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("login")


@pytest.mark.django_db
def test_logout_ends_the_session(client_for, rep):
    client = client_for(rep)
    client.post(reverse("logout"))
    assert client.get(reverse("leads:board")).status_code == 302


@pytest.mark.django_db
def test_a_user_changes_their_password(client_for, rep):
    response = client_for(rep).post(
        reverse("password_change"),
        {
            "old_password": "secret-password",
            "new_password1": "another-long-passphrase-7",
            "new_password2": "another-long-passphrase-7",
        },
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password("another-long-passphrase-7")


@pytest.mark.django_db
def test_the_navigation_shows_what_the_role_may_open(client_for, rep, marketer, admin_user):
    rep_page = client_for(rep).get(reverse("personas:index")).content.decode()
    marketer_page = client_for(marketer).get(reverse("personas:index")).content.decode()
    admin_page = client_for(admin_user).get(reverse("personas:index")).content.decode()
    assert "My queue" in rep_page and "My queue" not in marketer_page
    assert 'href="/admin/"' in admin_page and 'href="/admin/"' not in rep_page
    for label in (
        "Pipeline",
        "Leads",
        "Personas",
        "Journeys",
        "Content",
        "SLA &amp; goals",
        "Reports",
        "Meeting",
    ):
        assert label in marketer_page


@pytest.mark.django_db
def test_pages_send_the_csrf_token_on_every_htmx_request(client_for, rep):
    page = client_for(rep).get(reverse("personas:index")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert "htmx" in page and "https://" not in page.split("<body")[0]


def test_demo_users_are_never_created_in_production(tmp_path):
    result = manage("load_demo", env={**PRODUCTION_ENV, "SMARKETING_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "Demo users are never created when DEBUG is off." in result.stderr
