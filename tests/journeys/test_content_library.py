"""The content library: its list with search and filters, asset pages, the forms marketing
uses, uploads checked by content and size, and files served to logged-in users only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from journeys.models import ContentAsset, ContentKind, ContentStatus
from smarketing.roles import Role
from tests.journeys.conftest import EXE_BYTES, PDF_BYTES, PNG_BYTES, asset, persona, stage

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [row[0].title for row in response.context["rows"]]


def test_search_and_filters_narrow_the_list(client_for, rep):
    asset("Battle card: spreadsheets", stages=("decision",), personas=("Ops Oliver",))
    asset("Case study: Northwind", kind=ContentKind.CASE_STUDY, stages=("consideration",),
          summary="How a battle was won")  # fmt: skip
    asset("Draft guide", kind=ContentKind.PRODUCT_GUIDE, status=ContentStatus.DRAFT)
    client = client_for(rep)
    url = reverse("content:list")
    assert sorted(_titles(client.get(url, {"q": "battle"}))) == [
        "Battle card: spreadsheets", "Case study: Northwind",
    ]  # fmt: skip
    assert _titles(client.get(url, {"kind": "case_study"})) == ["Case study: Northwind"]
    assert _titles(client.get(url, {"stage": "decision"})) == ["Battle card: spreadsheets"]
    oliver = persona("Ops Oliver")
    assert _titles(client.get(url, {"persona": oliver.pk})) == ["Battle card: spreadsheets"]
    assert _titles(client.get(url, {"status": "draft"})) == ["Draft guide"]


def test_an_unknown_filter_value_says_so_instead_of_failing(client_for, rep):
    asset("Battle card")
    response = client_for(rep).get(reverse("content:list"), {"kind": "poster"})
    assert response.status_code == 200
    assert "These filters are not valid" in response.content.decode()
    assert _titles(response) == []


def test_the_list_says_when_it_is_cut_off_and_pages_on(client_for, rep):
    for number in range(30):
        asset(f"Card {number:02}")
    client = client_for(rep)
    first = client.get(reverse("content:list")).content.decode()
    assert "Showing 1–25 of 30 assets (more on the next pages)." in first
    second = client.get(reverse("content:list"), {"page": 2})
    assert len(second.context["rows"]) == 5
    assert "Showing 26–30 of 30 assets." in second.content.decode()


def test_htmx_filtering_answers_the_results_alone(client_for, rep):
    asset("Battle card")
    response = client_for(rep).get(reverse("content:list"), {"q": "battle"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results">')
    assert "Battle card" in page


@pytest.mark.parametrize("rows", [3, 40])
def test_the_list_costs_the_same_queries_whatever_the_assets(
    client_for, rep, django_assert_max_num_queries, rows
):
    for number in range(rows):
        asset(f"Card {number}", stages=("decision",), personas=("Marketing Mary",))
    client = client_for(rep)
    # Session and user, roles; the count and the page of assets, their stages and personas
    # (prefetched); the page's figures (one grouped query); the stage and persona menus.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("content:list"))
    assert len(response.context["rows"]) == min(rows, 25)


def _form(**fields) -> dict:
    return {"title": "Security overview", "summary": "", "kind": "product_guide",
            "status": "live", "link": "", **fields}  # fmt: skip


def test_a_marketer_uploads_a_pdf_and_a_rep_downloads_it(client_for, marketer, rep):
    upload = SimpleUploadedFile("security.pdf", PDF_BYTES, content_type="application/pdf")
    response = client_for(marketer).post(
        reverse("content:asset_create"), _form(file=upload, stages=[stage("decision").pk])
    )
    created = ContentAsset.objects.get()
    assert response.status_code == 302
    assert (created.file_type, created.file_name, created.owner) == (
        "application/pdf", "security.pdf", marketer,
    )  # fmt: skip
    assert list(created.stages.values_list("key", flat=True)) == ["decision"]
    download = client_for(rep).get(reverse("content:asset_file", args=[created.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="security.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_files_are_served_to_logged_in_users_only(client, marketer, client_for):
    upload = SimpleUploadedFile("guide.png", PNG_BYTES)
    client_for(marketer).post(reverse("content:asset_create"), _form(file=upload))
    created = ContentAsset.objects.get()
    response = client.get(reverse("content:asset_file", args=[created.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_program_renamed_pdf_is_refused_with_what_it_is(client_for, marketer):
    upload = SimpleUploadedFile("pricing.pdf", EXE_BYTES, content_type="application/pdf")
    response = client_for(marketer).post(reverse("content:asset_create"), _form(file=upload))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "pricing.pdf was refused: its content is application/x-msdownload. Accepted: PDF, Word, "
        "Excel, PowerPoint, OpenDocument, RTF, PNG, JPEG, GIF, WebP, text or Markdown."
    ]
    assert not ContentAsset.objects.exists()


def test_a_pdf_named_as_an_image_is_refused(client_for, marketer):
    upload = SimpleUploadedFile("photo.png", PDF_BYTES)
    response = client_for(marketer).post(reverse("content:asset_create"), _form(file=upload))
    assert "its content is application/pdf, which is named .pdf" in " ".join(
        response.context["form"].errors["file"]
    )
    assert not ContentAsset.objects.exists()


def test_a_file_over_the_limit_is_refused_with_the_limit(client_for, marketer, settings):
    settings.CONTENT_UPLOAD_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2048)
    response = client_for(marketer).post(reverse("content:asset_create"), _form(file=upload))
    assert response.context["form"].errors["file"] == [
        "big.pdf is 2.1\xa0KB; a file may be at most 1.0\xa0KB. Link to a larger file instead."
    ]
    assert not ContentAsset.objects.exists()


def test_markdown_is_accepted_as_text_and_binary_named_md_is_not(client_for, marketer):
    client = client_for(marketer)
    notes = SimpleUploadedFile("talk-track.md", "# Talk track\n\nAsk about ‘budget’.\n".encode())
    client.post(reverse("content:asset_create"), _form(file=notes))
    assert ContentAsset.objects.get().file_type == "text/markdown"
    binary = SimpleUploadedFile("notes.md", b"\x00\x01\x02garbage")
    response = client.post(reverse("content:asset_create"), _form(title="B", file=binary))
    assert "notes.md was refused" in " ".join(response.context["form"].errors["file"])


def test_an_asset_needs_a_link_or_a_file(client_for, marketer):
    response = client_for(marketer).post(reverse("content:asset_create"), _form())
    assert response.context["form"].errors["link"] == ["Give a link or upload a file."]
    assert not ContentAsset.objects.exists()


def test_editing_keeps_the_file_and_changes_the_fields(client_for, marketer):
    client = client_for(marketer)
    client.post(reverse("content:asset_create"), _form(file=SimpleUploadedFile("a.pdf", PDF_BYTES)))
    created = ContentAsset.objects.get()
    response = client.post(
        reverse("content:asset_edit", args=[created.pk]), _form(title="Renamed", status="retired")
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.title, created.status, created.file_name) == ("Renamed", "retired", "a.pdf")


@pytest.mark.parametrize(
    ("role", "may_edit"),
    [
        (Role.MARKETING, True),
        (Role.MARKETING_MANAGER, True),
        (Role.ADMIN, True),
        (Role.SALES, False),
        (Role.SALES_MANAGER, False),
    ],
)
def test_only_marketing_and_admins_create_and_edit_content(
    client_for, users_by_role, role, may_edit
):
    client = client_for(users_by_role[role])
    existing = asset("Card")
    assert client.get(reverse("content:list")).status_code == 200
    assert client.get(reverse("content:asset", args=[existing.pk])).status_code == 200
    created = client.post(reverse("content:asset_create"), _form(link="https://example.com/x"))
    edited = client.post(
        reverse("content:asset_edit", args=[existing.pk]), _form(link="https://example.com/y")
    )
    assert (created.status_code, edited.status_code) == ((302, 302) if may_edit else (403, 403))
    assert ContentAsset.objects.count() == (2 if may_edit else 1)
