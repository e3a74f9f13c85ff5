"""The CSV import of leads (page, service, command) and the CSV export of a filtered list."""

from __future__ import annotations

import csv
import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from leads.imports import apply, services
from leads.imports.models import ImportJob
from leads.imports.services import (
    import_csv,
    import_job_create,
    import_job_resume,
    import_job_run,
    import_job_start,
)
from leads.models import Company, Lead, Stage, StageTransition
from tests.factories import CompanyFactory, LeadFactory

pytestmark = pytest.mark.django_db

HUBSPOT_HEADERS = [
    "Record ID", "First Name", "Last Name", "Email", "Company Name", "Job Title",
    "Lifecycle Stage", "Original Source", "Country/Region",
]  # fmt: skip


def make_csv(
    rows: list[list[str]],
    headers: list[str] | None = None,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers or HUBSPOT_HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def person(n: int, **cells: str) -> list[str]:
    values = {
        "Record ID": str(n), "First Name": f"Ann{n}", "Last Name": f"Lee{n}",
        "Email": f"ann{n}@acme{n % 50}.com", "Company Name": f"Acme {n % 50}",
        "Job Title": "CMO", "Lifecycle Stage": "Marketing Qualified Lead",
        "Original Source": "Organic Search", "Country/Region": "Germany",
    } | cells  # fmt: skip
    return [values[header] for header in HUBSPOT_HEADERS]


# --- the service ---------------------------------------------------------------------------------


def test_a_hubspot_export_is_imported_with_its_columns_recognised(marketer):
    data = make_csv(
        [
            person(1),
            person(
                2,
                **{
                    "Lifecycle Stage": "customer",
                    "Original Source": "PAID_SOCIAL",
                    "Country/Region": "FR",
                },
            ),
        ]
    )

    job = import_csv(data, actor=marketer)

    assert (job.state, job.created_count, job.updated_count, job.error_count) == ("done", 2, 0, 0)
    ann = Lead.objects.select_related("company").get(email="ann1@acme1.com")
    assert (ann.first_name, ann.last_name, ann.job_title) == ("Ann1", "Lee1", "CMO")
    assert (ann.stage, ann.original_channel, ann.country.code) == ("mql", "organic_search", "DE")
    assert (ann.company.name, ann.company.domain) == ("Acme 1", "acme1.com")
    assert ann.search.text == "ann1 lee1 ann1@acme1.com acme 1"
    other = Lead.objects.get(email="ann2@acme2.com")
    assert (other.stage, other.original_channel, other.country.code) == (
        "customer",
        "paid_social",
        "FR",
    )
    transition = StageTransition.objects.get(lead=ann)
    assert (transition.from_stage, transition.to_stage, transition.actor) == ("", "mql", marketer)
    assert transition.reason == "Imported"
    assert transition.scores["total"] == 0


def test_bad_rows_are_skipped_and_reported_with_row_column_and_message(marketer):
    data = make_csv([
        person(1),
        person(2, Email="not-an-address"),
        person(3, **{"Lifecycle Stage": "Hot prospect", "Country/Region": "Atlantis"}),
        person(4, Email=""),
        person(5),
    ])  # fmt: skip

    job = import_csv(data, actor=marketer)

    assert (job.state, job.created_count, job.skipped_count, job.error_count) == ("done", 2, 3, 3)
    problems = [(e.row, e.column, e.value, e.message[:26]) for e in job.row_errors.all()]
    assert problems == [
        (3, "Email", "not-an-address", "Not a valid e-mail address"),
        (4, "Lifecycle Stage", "Hot prospect", "Not a lifecycle stage; use"),
        (4, "Country/Region", "Atlantis", "Not a country name or ISO "),
        (5, "Email", "", "The e-mail address is miss"),
    ]
    assert set(Lead.objects.values_list("email", flat=True)) == {"ann1@acme1.com", "ann5@acme5.com"}


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(marketer):
    data = make_csv([person(1), person(2, Email="ann2@"), person(3)])

    job = import_csv(data, actor=marketer, mode="all_or_nothing")

    assert job.state == "failed" and job.was_refused and not job.can_resume
    assert job.message.startswith("Nothing was imported: 1 of 3 rows have problems.")
    assert job.row_errors.get().row == 3
    assert not Lead.objects.exists()


def test_all_or_nothing_imports_everything_when_every_row_is_good(marketer):
    job = import_csv(make_csv([person(1), person(2)]), actor=marketer, mode="all_or_nothing")
    assert (job.state, job.created_count, job.rows_done) == ("done", 2, 2)
    assert Lead.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (b"\xef\xbb\xbfEmail,Last Name\nm@example.com,M\xc3\xbcller\n", "utf-8-sig", ","),
        ("Email,Last Name\nm@example.com,Müller\n".encode(), "utf-8", ","),
        ("Email;Last Name\r\nm@example.com;Müller\r\n".encode("latin-1"), "cp1252", ";"),
        (
            "E-mail;Nachname;Firma\nm@example.com;Müller;Brot, Butter & Co\n".encode("cp1252"),
            "cp1252",
            ";",
        ),
    ],
    ids=["utf8-bom", "utf8", "latin1-semicolon-crlf", "semicolon-with-commas-inside"],
)
def test_encodings_and_delimiters_are_detected(marketer, data, encoding, delimiter):
    job = import_csv(data, actor=marketer)
    assert (job.encoding, job.delimiter, job.state) == (encoding, delimiter, "done")
    assert Lead.objects.get(email="m@example.com").last_name == "Müller"


def test_a_quoted_line_break_stays_in_its_cell_and_row_numbers_follow_the_spreadsheet(marketer):
    data = b'Email,Job Title\r\na@example.com,"Head of\r\nGrowth"\r\nbroken,CMO\r\n'

    job = import_csv(data, actor=marketer)

    assert Lead.objects.get(email="a@example.com").job_title == "Head of\r\nGrowth"
    assert [(e.row, e.column) for e in job.row_errors.all()] == [(3, "Email")]


def test_an_existing_lead_is_updated_by_email_ignoring_case_and_keeps_its_stage(marketer):
    lead = LeadFactory(email="anna@example.com", first_name="Anna", stage=Stage.SAL)
    data = make_csv(
        [["ANNA@Example.com", "", "VP Marketing", "lead"]],
        ["Email", "First Name", "Job Title", "Lifecycle Stage"],
    )

    job = import_csv(data, actor=marketer)

    assert (job.created_count, job.updated_count) == (0, 1)
    lead.refresh_from_db()
    assert (lead.first_name, lead.job_title, lead.stage) == ("Anna", "VP Marketing", "sal")
    assert not StageTransition.objects.filter(lead=lead).exists()
    assert Lead.objects.count() == 1


def test_rows_repeating_an_email_in_another_case_make_one_lead_with_the_later_values(marketer):
    data = make_csv(
        [["bob@example.com", "Bob", "CTO"], ["Bob@EXAMPLE.com", "", "CEO"]],
        ["Email", "First Name", "Job Title"],
    )

    job = import_csv(data, actor=marketer)

    assert (job.created_count, job.updated_count) == (1, 1)
    bob = Lead.objects.get()
    assert (bob.email, bob.first_name, bob.job_title) == ("bob@example.com", "Bob", "CEO")
    assert StageTransition.objects.filter(lead=bob).count() == 1


def test_companies_are_matched_by_domain(marketer):
    acme = CompanyFactory(name="Acme Corporation", domain="acme.com")
    headers = ["Email", "Company Name", "Company Domain Name"]
    data = make_csv([
        ["a@acme.com", "ACME", "https://www.acme.com/about"],
        ["b@acme.com", "Acme Inc", ""],
        ["c@globex.com", "Globex", ""],
        ["d@globex.com", "Globex Corp", ""],
        ["e@gmail.com", "Initech", ""],
        ["f@yahoo.com", "initech", ""],
    ], headers)  # fmt: skip

    import_csv(data, actor=marketer)

    companies = dict(Lead.objects.values_list("email", "company__name"))
    assert companies["a@acme.com"] == companies["b@acme.com"] == "Acme Corporation"
    assert companies["c@globex.com"] == companies["d@globex.com"] == "Globex"
    assert companies["e@gmail.com"] == companies["f@yahoo.com"] == "Initech"
    assert Lead.objects.filter(company=acme).count() == 2
    assert Company.objects.count() == 3


def test_the_orm_path_of_the_sqlite_demo_writes_the_same(marketer, monkeypatch):
    monkeypatch.setattr(apply, "_use_copy", lambda: False)
    CompanyFactory(name="Acme Corporation", domain="acme1.com")
    LeadFactory(email="ann2@acme2.com", first_name="Old", stage=Stage.SAL)
    data = make_csv([person(1), person(2), person(3), person(3, **{"Job Title": "CEO"})])

    job = import_csv(data, actor=marketer)

    assert (job.created_count, job.updated_count) == (2, 2)
    leads = {lead.email: lead for lead in Lead.objects.select_related("company")}
    assert leads["ann1@acme1.com"].company.name == "Acme Corporation"
    assert (leads["ann2@acme2.com"].first_name, leads["ann2@acme2.com"].stage) == ("Ann2", "sal")
    assert leads["ann3@acme3.com"].job_title == "CEO"
    assert leads["ann3@acme3.com"].search.text == "ann3 lee3 ann3@acme3.com acme 3"
    assert StageTransition.objects.filter(reason="Imported").count() == 2


def test_a_50k_row_file_is_imported(marketer):
    rows = [person(n, Email=f"p{n}@firm{n % 2000}.com") for n in range(50_000)]
    rows[10] = person(10, Email="oops")
    data = make_csv(rows)

    started = time.monotonic()
    job = import_csv(data, actor=marketer)
    elapsed = time.monotonic() - started

    assert (job.state, job.created_count, job.skipped_count) == ("done", 49_999, 1)
    assert Lead.objects.count() == 49_999
    assert Company.objects.count() == 2000
    assert StageTransition.objects.count() == 49_999
    assert elapsed < 60, f"{elapsed:.1f} s"


# --- crashes -------------------------------------------------------------------------------------


def _crash_on_chunk(monkeypatch, number: int) -> None:
    """Make the apply of chunk ``number`` fail, as a lost worker or a database error would."""
    real = services.chunk_apply
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == number:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "chunk_apply", failing)


@pytest.mark.django_db(transaction=True)
def test_a_crash_leaves_whole_chunks_and_the_import_resumes_exactly_once(marketer, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 100)
    _crash_on_chunk(monkeypatch, 2)
    data = make_csv([person(n, Email=f"p{n}@example.com") for n in range(250)])

    with pytest.raises(RuntimeError):
        import_csv(data, actor=marketer)

    job = ImportJob.objects.get()
    assert (job.state, job.rows_done, job.created_count, job.can_resume) == (
        "failed",
        100,
        100,
        True,
    )
    assert "The first 100 rows are imported" in job.message
    assert set(Lead.objects.values_list("email", flat=True)) == {
        f"p{n}@example.com" for n in range(100)
    }

    monkeypatch.setattr(services, "chunk_apply", apply.chunk_apply)
    import_job_resume(job=job)  # Enqueued on commit: the task runs in-process here.

    job.refresh_from_db()
    assert (job.state, job.rows_done, job.created_count, job.updated_count) == ("done", 250, 250, 0)
    assert Lead.objects.count() == 250
    assert StageTransition.objects.count() == 250


@pytest.mark.django_db(transaction=True)
def test_a_crash_in_all_or_nothing_mode_rolls_everything_back(marketer, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 100)
    _crash_on_chunk(monkeypatch, 3)
    data = make_csv([person(n, Email=f"p{n}@example.com") for n in range(250)])

    with pytest.raises(RuntimeError):
        import_csv(data, actor=marketer, mode="all_or_nothing")

    job = ImportJob.objects.get()
    assert (job.state, job.rows_done, job.created_count) == ("rolled_back", 0, 0)
    assert "nothing was imported" in job.message
    assert not Lead.objects.exists() and not Company.objects.exists()
    assert not StageTransition.objects.exists()

    monkeypatch.setattr(services, "chunk_apply", apply.chunk_apply)
    import_job_resume(job=job)
    job.refresh_from_db()
    assert (job.state, job.created_count) == ("done", 250)
    assert Lead.objects.count() == 250


def test_running_a_finished_job_again_changes_nothing(marketer):
    job = import_csv(make_csv([person(1)]), actor=marketer)
    import_job_run(job_id=job.pk)
    import_job_run(job_id=job.pk, resume=True)
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, Lead.objects.count()) == (1, 0, 1)


@pytest.mark.worker
def test_a_real_worker_runs_the_import_in_the_background(celery_worker, marketer):
    data = make_csv([person(n, Email=f"p{n}@example.com") for n in range(300)])
    job = import_job_create(data=data, filename="contacts.csv", actor=marketer)

    import_job_start(job=job, mapping=job.mapping, mode="valid_rows")

    deadline = time.monotonic() + 30
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert (job.state, job.created_count) == ("done", 300)
    assert Lead.objects.count() == 300


# --- the pages -----------------------------------------------------------------------------------


def _upload(client, data: bytes, name: str = "contacts.csv"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(reverse("leads:import"), {"file": upload})


def test_the_import_flow_upload_preview_start_and_report(
    marketer, client_for, django_capture_on_commit_callbacks
):
    client = client_for(marketer)
    assert client.get(reverse("leads:import")).status_code == 200

    response = _upload(client, make_csv([person(1), person(2, Email="nope"), person(3)]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()

    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert b"Not a valid e-mail address." in page.content
    assert [page.context["form"][f"column_{i}"].initial for i in range(4)] == [
        "",
        "first_name",
        "last_name",
        "email",
    ]

    mapping = {f"column_{i}": name for i, name in enumerate(job.mapping)}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("leads:import_start", args=[job.pk]), {**mapping, "mode": "valid_rows"}
        )
    assert response.status_code == 302

    page = client.get(job.get_absolute_url())
    assert b"Import finished." in page.content
    assert b"2 leads created" in page.content and b"1 bad rows skipped" in page.content
    assert b"nope" in page.content
    assert Lead.objects.count() == 2

    report = client.get(reverse("leads:import_errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows == [
        ["row", "column", "value", "message"],
        ["3", "Email", "nope", "Not a valid e-mail address."],
    ]
    assert report["Content-Disposition"] == 'attachment; filename="contacts-problems.csv"'


def test_changing_the_mapping_redraws_the_preview(marketer, client_for):
    client = client_for(marketer)
    _upload(client, make_csv([person(1)]))
    job = ImportJob.objects.get()
    mapping = {f"column_{i}": name for i, name in enumerate(job.mapping)} | {"column_8": "stage"}

    response = client.post(
        reverse("leads:import_preview", args=[job.pk]), mapping, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert b"<html" not in response.content and b'id="preview"' in response.content
    assert b"Not a lifecycle stage" in response.content


def test_starting_without_an_email_column_says_so(marketer, client_for):
    client = client_for(marketer)
    _upload(client, make_csv([person(1)]))
    job = ImportJob.objects.get()
    mapping = {f"column_{i}": name for i, name in enumerate(job.mapping)} | {"column_3": ""}

    response = client.post(
        reverse("leads:import_start", args=[job.pk]), {**mapping, "mode": "valid_rows"}
    )

    assert b"Choose the column that holds the e-mail addresses." in response.content
    job.refresh_from_db()
    assert job.state == "pending"


def test_the_progress_bar_polls_while_running_and_the_page_reloads_when_done(marketer, client_for):
    client = client_for(marketer)
    _upload(client, make_csv([person(1)]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(state="importing", validated_at="2025-01-01T00:00Z")
    htmx = {"HX-Request": "true", "HX-Target": "import-progress"}

    fragment = client.get(job.get_absolute_url(), headers=htmx)
    page = client.get(job.get_absolute_url())

    assert b"<html" not in fragment.content and b'hx-trigger="every 1s"' in fragment.content
    assert b"Imported 0 of 1 rows" in fragment.content
    assert b"<html" in page.content and b'hx-trigger="every 1s"' in page.content

    ImportJob.objects.filter(pk=job.pk).update(state="done")
    finished = client.get(job.get_absolute_url(), headers=htmx)
    assert finished["HX-Refresh"] == "true"


def test_a_stopped_import_says_it_can_be_resumed(marketer, client_for):
    job = import_csv(make_csv([person(1)]), actor=marketer)
    ImportJob.objects.filter(pk=job.pk).update(state="failed", message="It broke.")
    page = client_for(marketer).get(job.get_absolute_url())
    assert b"Stopped; can be resumed." in page.content and b"Resume the import" in page.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"Name,Phone\nAnn,123\n", "No e-mail column was found."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", "This is not a CSV file"),
        (b"Email\n", "The file has column names but no rows to import."),
    ],
    ids=["empty", "no-email-column", "binary", "header-only"],
)
def test_a_file_that_cannot_be_imported_gets_a_clear_message(marketer, client_for, data, message):
    response = _upload(client_for(marketer), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_size_and_row_limits_are_explained(marketer, client_for, settings):
    settings.LEADS_IMPORT_MAX_BYTES = 2000
    settings.LEADS_IMPORT_MAX_ROWS = 10
    client = client_for(marketer)

    too_big = _upload(client, make_csv([person(n) for n in range(40)]))
    too_long = _upload(client, b"Email\n" + b"".join(b"a%d@example.com\n" % n for n in range(11)))

    assert "an import takes at most 2.0\xa0KB" in too_big.content.decode()
    assert "more than 10 rows; an import takes at most 10" in too_long.content.decode()
    assert not ImportJob.objects.exists()


def test_users_see_only_their_own_imports_and_admins_all(
    marketer, marketing_manager, admin_user, rep, client_for
):
    job = import_csv(make_csv([person(1)]), actor=marketer)
    assert client_for(marketing_manager).get(job.get_absolute_url()).status_code == 404
    assert client_for(admin_user).get(job.get_absolute_url()).status_code == 200
    assert client_for(rep).get(job.get_absolute_url()).status_code == 403
    assert client_for(rep).get(reverse("leads:import")).status_code == 403


# --- the command ---------------------------------------------------------------------------------


def test_the_import_leads_command_imports_and_summarises(marketer, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(make_csv([person(1), person(2, Email="bad")]))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_leads", str(path), "--user", "maya", stdout=out, stderr=err)

    assert "1 leads created, 0 updated, 1 bad rows skipped" in out.getvalue()
    assert "Row 3, Email: Not a valid e-mail address." in err.getvalue()
    assert ImportJob.objects.get().created_by == marketer


def test_the_import_leads_command_fails_in_all_or_nothing_mode_with_bad_rows(marketer, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(make_csv([person(1), person(2, Email="bad")]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported: 1 of 2 rows have problems"):
        call_command(
            "import_leads", str(path), "--mode", "all_or_nothing", stdout=io.StringIO(), stderr=err
        )

    assert "Row 3, Email" in err.getvalue()
    assert not Lead.objects.exists()


def test_the_import_leads_command_refuses_a_file_without_emails(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"Name\nAnn\n")
    with pytest.raises(CommandError, match="No e-mail column was found"):
        call_command("import_leads", str(path), stdout=io.StringIO(), stderr=io.StringIO())


# --- the export ----------------------------------------------------------------------------------


def test_the_export_streams_the_filtered_leads(rep, client_for):
    LeadFactory(email="mql@example.com", stage=Stage.MQL, first_name="=HYPERLINK(1)")
    LeadFactory(email="sal@example.com", stage=Stage.SAL)

    response = client_for(rep).get(reverse("leads:export"), {"stage": "mql"})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="leads-20')
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert [(row["Email"], row["Lifecycle Stage"], row["First Name"]) for row in rows] == [
        ("mql@example.com", "MQL", "'=HYPERLINK(1)")
    ]


def test_an_export_imports_back_unchanged(marketer, client_for):
    LeadFactory(email="x@example.com", stage=Stage.MQL, phone="+49 30 1234", country="DE")
    exported = b"".join(client_for(marketer).get(reverse("leads:export")).streaming_content)

    job = import_csv(exported, actor=marketer)

    assert (job.error_count, job.updated_count) == (0, 1)
    lead = Lead.objects.get()
    assert (lead.phone, lead.country.code, lead.stage) == ("+49 30 1234", "DE", "mql")
