"""Requests the API refuses, each answered in its JSON error shape and never with a server
error: OPTIONS, a browser's Accept header, ids past the 64-bit range, the NUL character, deep
nesting, oversized bodies and unknown URLs. (schemathesis fuzzes every operation besides, in
test_api_schemathesis.)"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from leads.models import Company, Event
from smarketing.api.parsers import INTEGER_OUT_OF_RANGE, MAX_DEPTH, NOT_FINITE, TOO_DEEP
from tests.factories import CompanyFactory, LeadFactory

pytestmark = pytest.mark.django_db

EVENTS = reverse("api:event-create")
COMPANIES = reverse("api:company-list")
PAST = "2025-05-02T09:14:00Z"
NUL_REFUSED = ["Null characters are not allowed."]


def _api_urls(method: str) -> list[str]:
    """Every URL of the API's schema that answers ``method``, its ids filled in with 1."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        re.sub(r"\{\w+\}", "1", path)
        for path, operations in paths.items()
        if method.lower() in operations
    )


@pytest.fixture
def as_admin(client_for, admin_user):
    return client_for(admin_user)


def test_options_describes_every_view_that_takes_a_post(as_admin):
    urls = _api_urls("POST")
    assert len(urls) >= 14
    for url in urls:
        response = as_admin.options(url)
        assert response.status_code == 200, url
        body = response.json()
        if url.startswith("/api/content/"):
            # A content asset is JSON, or a multipart upload carrying its file.
            assert body["parses"] == ["application/json", "multipart/form-data"], url
        else:
            assert body["parses"] == [
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ], url
        assert body["schema"] == "http://testserver/api/schema/"
        assert "POST" in response["Allow"]


def test_an_api_url_opened_in_a_browser_answers_json(as_admin):
    LeadFactory()
    browser = {"Accept": "text/html,application/xhtml+xml"}
    for url in _api_urls("GET"):
        response = as_admin.get(url, headers=browser)
        assert response.status_code < 500, url
        assert response["Content-Type"] == "application/json", url
    lead = as_admin.get(reverse("api:lead-list"), headers={"Accept": "text/html"})
    assert lead.status_code == 200
    assert "results" in lead.json()


def test_the_documentation_pages_stay_html(as_admin):
    docs = as_admin.get(reverse("api:docs"), headers={"Accept": "text/html"})
    assert docs.status_code == 200
    assert docs["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("too_large", [2**63, -(2**63) - 1, 10**30])
def test_an_id_past_the_64_bit_range_is_refused(client_for, marketer, too_large):
    response = client_for(marketer).post(
        EVENTS,
        {"lead": too_large, "type": "page_view", "occurred_at": PAST},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"errors": {"lead": [INTEGER_OUT_OF_RANGE]}}
    assert not Event.objects.exists()


def test_an_id_past_the_64_bit_range_in_a_form_is_refused(client_for, marketer):
    response = client_for(marketer).post(
        EVENTS, {"lead": str(2**63), "type": "page_view", "occurred_at": PAST}
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"lead": ["Ensure this value is less than or equal to 9223372036854775807."]}
    }
    assert not Event.objects.exists()


def test_an_owner_past_the_64_bit_range_is_a_field_error(client_for, sales_manager):
    lead = LeadFactory()
    response = client_for(sales_manager).patch(
        reverse("api:lead-detail", args=[lead.pk]),
        {"owner": str(2**63)},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["owner"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"properties": {"url": "https://example.com/a\u0000b"}}, "properties"),
        ({"properties": {"u\u0000rl": "https://example.com/"}}, "properties"),
        ({"type": "page_\u0000view"}, "type"),
        ({"properties": {"list": [[["\u0000"]]]}}, "properties"),
        ({"p\u0000": 1}, "non_field_errors"),
    ],
    ids=["property value", "property key", "text field", "nested", "field name"],
)
def test_the_nul_character_anywhere_in_a_body_is_refused(client_for, marketer, event, field):
    lead = LeadFactory()
    response = client_for(marketer).post(
        EVENTS,
        {"lead": lead.pk, "type": "page_view", "occurred_at": PAST, **event},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"errors": {field: NUL_REFUSED}}
    assert not Event.objects.exists()


def test_the_nul_character_in_a_form_is_refused(client_for, marketer):
    response = client_for(marketer).post(COMPANIES, {"name": "Acme\x00", "domain": "acme.com"})
    assert response.status_code == 400
    assert response.json() == {"errors": {"name": NUL_REFUSED}}
    assert not Company.objects.exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [("domain=a%00b", "domain"), ("q=%00", "q"), ("a%00=b", "non_field_errors")],
)
def test_the_nul_character_in_a_query_parameter_is_refused(client_for, rep, query, field):
    response = client_for(rep).get(f"{COMPANIES}?{query}")
    assert response.status_code == 400
    assert response.json() == {"errors": {field: NUL_REFUSED}}


def _nested(depth: int) -> str:
    """JSON text of objects nested ``depth`` deep (written out: ``json.dumps`` would recurse)."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


def _event_with_properties(lead_id: int, properties: str) -> str:
    return f'{{"lead": {lead_id}, "type": "page_view", "occurred_at": "{PAST}", "properties": {properties}}}'


# The event is the first level and its properties the second.
@pytest.mark.parametrize("properties_depth", [MAX_DEPTH, 1000, 100_000])
def test_json_nested_deeper_than_the_limit_is_refused(client_for, marketer, properties_depth):
    lead = LeadFactory()
    body = _event_with_properties(lead.pk, _nested(properties_depth))
    response = client_for(marketer).post(EVENTS, body, content_type="application/json")
    assert response.status_code == 400
    # Named by the field, or for the body as a whole when the decoder itself gives up.
    (messages,) = response.json()["errors"].values()
    assert messages == [TOO_DEEP]
    assert not Event.objects.exists()


def test_json_nested_to_the_limit_is_taken(client_for, marketer):
    lead = LeadFactory()
    body = _event_with_properties(lead.pk, _nested(MAX_DEPTH - 1))
    response = client_for(marketer).post(EVENTS, body, content_type="application/json")
    assert response.status_code == 201
    assert json.dumps(Event.objects.get().properties) == _nested(MAX_DEPTH - 1)


def test_a_number_that_is_not_finite_is_refused(client_for, marketer):
    lead = LeadFactory()
    body = _event_with_properties(lead.pk, '{"revenue": 1e400}')
    response = client_for(marketer).post(EVENTS, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": {"properties": [NOT_FINITE]}}


def _limit_message() -> dict:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return {"errors": {"detail": [f"The request body is larger than {limit:,} bytes."]}}


def test_a_json_body_over_the_limit_answers_413(client_for, marketer):
    padding = "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client_for(marketer).post(
        COMPANIES, {"name": padding, "domain": "acme.com"}, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == _limit_message()
    assert not Company.objects.exists()


def test_a_form_body_over_the_limit_answers_413(client_for, marketer):
    padding = "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client_for(marketer).post(COMPANIES, {"name": padding, "domain": "acme.com"})
    assert response.status_code == 413
    assert response.json() == _limit_message()


def test_the_body_limit_is_in_the_schema(client_for, rep):
    schema = client_for(rep).get(reverse("api:schema"), {"format": "json"}).json()
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes" in schema["info"]["description"]
    create = schema["paths"]["/api/companies/"]["post"]["responses"]
    assert {"400", "401", "403", "413", "415"} <= set(create)


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_url_answers_json_404(client_for, rep, settings, method):
    settings.DEBUG = True  # Django's own 404 page would be HTML.
    response = getattr(client_for(rep), method)("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"errors": {"detail": ["Not found."]}}


def test_an_api_url_without_its_final_slash_says_which_was_meant(client_for, marketer):
    response = client_for(marketer).post("/api/companies", {"name": "Acme"})
    assert response.status_code == 404
    assert response.json() == {"errors": {"detail": ["Not found. Did you mean /api/companies/ ?"]}}
    assert not Company.objects.exists()


def test_a_page_url_still_answers_its_html_404(client_for, rep):
    response = client_for(rep).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_nul_character_in_json_text_of_a_form_is_refused(client_for, marketer):
    lead = LeadFactory()
    response = client_for(marketer).post(
        EVENTS,
        {
            "lead": lead.pk,
            "type": "page_view",
            "occurred_at": PAST,
            "properties": '{"url": "a\\u0000b"}',
        },
    )
    assert response.status_code == 400
    assert response.json() == {"errors": {"properties": NUL_REFUSED}}
    assert not Event.objects.exists()


def test_the_nul_character_in_a_rules_json_value_sent_as_a_form_is_a_field_error(as_admin):
    criteria = as_admin.post(
        reverse("api:scoring-criteria-list"),
        {"kind": "mql", "name": "Autumn"},
        content_type="application/json",
    ).json()
    conditions = reverse("api:scoring-condition-list", args=[criteria["id"]])
    response = as_admin.post(
        conditions, {"attribute": "job_title", "operator": "contains", "value": '"a\\u0000b"'}
    )
    assert response.status_code == 400
    assert response.json() == {"errors": {"value": NUL_REFUSED}}
    assert as_admin.get(conditions).json() == []


@pytest.mark.parametrize(
    "url",
    [
        f"/api/leads/{2**63}/",
        f"/api/companies/{10**30}/",
        f"/api/scoring/models/{2**63}/fit-rules/",
    ],
)
def test_an_id_past_the_64_bit_range_in_the_path_is_not_found(client_for, sales_manager, url):
    response = client_for(sales_manager).get(url)
    assert response.status_code == 404
    assert list(response.json()["errors"]) == ["detail"]


@pytest.mark.parametrize("query", [f"company={2**63}", f"owner={10**30}"])
def test_an_id_past_the_64_bit_range_in_a_filter_matches_nothing(client_for, sales_manager, query):
    LeadFactory(company=CompanyFactory(), owner=sales_manager)
    response = client_for(sales_manager).get(f"/api/leads/?{query}")
    assert response.status_code == 200
    assert response.json()["results"] == []
