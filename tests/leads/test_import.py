"""The import of leads (page, service, command) from CSV files and Excel workbooks, and the CSV
export of a filtered list. How single values are read is in ``test_import_values``."""

from __future__ import annotations

import csv
import datetime
import io
import re
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from leads.imports import apply, services
from leads.imports.models import ImportJob
from leads.imports.parsing import ImportOptions
from leads.imports.services import (
    import_csv,
    import_job_create,
    import_job_resume,
    import_job_run,
    import_job_start,
)
from leads.models import Company, Lead, Stage, StageTransition
from leads.scoring.services import scoring_model_activate, scoring_model_default
from smarketing.roles import Role
from tests.crm_exports import OWNERS, UNKNOWN_OWNER, hubspot_contacts
from tests.factories import CompanyFactory, LeadFactory, UserFactory

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
        (4, "Lifecycle Stage", "Hot prospect", "Not a lifecycle stage; cho"),
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

    assert (job.created_count, job.updated_count, job.merged_count) == (1, 0, 1)
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

    assert (job.created_count, job.updated_count, job.merged_count) == (2, 1, 1)
    leads = {lead.email: lead for lead in Lead.objects.select_related("company")}
    assert leads["ann1@acme1.com"].company.name == "Acme Corporation"
    assert (leads["ann2@acme2.com"].first_name, leads["ann2@acme2.com"].stage) == ("Ann2", "sal")
    assert leads["ann3@acme3.com"].job_title == "CEO"
    assert leads["ann3@acme3.com"].search.text == "ann3 lee3 ann3@acme3.com acme 3"
    assert StageTransition.objects.filter(reason="Imported").count() == 2


# --- stages ----------------------------------------------------------------------------------------


def test_kept_stages_move_an_existing_lead_forward_only_and_new_leads_enter_at_their_create_date(
    marketer,
):
    behind = LeadFactory(email="behind@example.com", stage=Stage.LEAD, total_score=12)
    ahead = LeadFactory(email="ahead@example.com", stage=Stage.SQL)
    recycled = LeadFactory(email="recycled@example.com", stage=Stage.RECYCLED)
    data = make_csv(
        [
            ["behind@example.com", "Customer", ""],
            ["ahead@example.com", "marketingqualifiedlead", ""],
            ["recycled@example.com", "Opportunity", ""],
            ["new@example.com", "Sales Qualified Lead", "2024-03-05 14:22"],
        ],
        ["Email", "Lifecycle Stage", "Create Date"],
    )

    job = import_csv(data, actor=marketer)

    assert (job.created_count, job.updated_count) == (1, 3)
    behind.refresh_from_db(), ahead.refresh_from_db(), recycled.refresh_from_db()
    assert (behind.stage, ahead.stage, recycled.stage) == ("customer", "sql", "recycled")
    moved = behind.transitions.get()
    assert (moved.from_stage, moved.to_stage, moved.reason, moved.actor) == (
        "lead", "customer", "Imported", marketer,
    )  # fmt: skip
    assert moved.scores["total"] == 12
    assert not ahead.transitions.exists() and not recycled.transitions.exists()
    new = Lead.objects.get(email="new@example.com")
    entry = new.transitions.get()
    assert new.stage == "sql"
    assert new.created_at == entry.at == datetime.datetime(2024, 3, 5, 14, 22, tzinfo=datetime.UTC)
    assert (entry.from_stage, entry.reason) == ("", "Imported")


def test_when_the_criteria_decide_the_files_stages_are_ignored_and_scoring_qualifies(
    marketer, admin_user, django_capture_on_commit_callbacks
):
    scoring_model_activate(model=scoring_model_default(), actor=admin_user)
    existing = LeadFactory(email="known@example.com", stage=Stage.SAL)
    headers = ["Email", "Job Title", "Lifecycle Stage", "Number of Employees", "Annual Revenue", "Phone Number"]  # fmt: skip
    data = make_csv(
        [
            ["cmo@big.example", "CMO", "Subscriber", "2500", "$75,000,000", "+1 555 0100"],
            ["intern@tiny.example", "Marketing Intern", "Customer", "3", "", ""],
            ["known@example.com", "VP Sales", "Lead", "", "", ""],
        ],
        headers,
    )

    with django_capture_on_commit_callbacks(execute=True):
        job = import_csv(data, actor=marketer, keep_stages=False)

    assert (job.state, job.error_count) == ("done", 0)
    leads = {lead.email: lead for lead in Lead.objects.all()}
    # 20 (C-level) + 10 (marketing), capped at 30; 20 (size) + 10 (revenue); 3 (phone).
    assert leads["cmo@big.example"].fit_score == 63
    assert leads["cmo@big.example"].stage == "mql"
    assert leads["cmo@big.example"].transitions.last().rule == "Standard MQL"
    assert (leads["intern@tiny.example"].stage, leads["intern@tiny.example"].fit_score) == (
        "lead",
        -5,
    )
    existing.refresh_from_db()
    assert existing.stage == "sal"
    assert [t.to_stage for t in leads["intern@tiny.example"].transitions.all()] == ["lead"]


# --- the columns CRM exports carry -----------------------------------------------------------------


def test_the_columns_of_a_crm_export_fill_the_lead_and_its_company(marketer):
    sam = UserFactory(username="sam", first_name="Sam", last_name="Seller", role=Role.SALES)
    CompanyFactory(name="Known", domain="known.example", industry="", employee_count=None, size_band="", annual_revenue_band="1b+")  # fmt: skip
    headers = [
        "Email", "Job Title", "Contact owner", "City", "Lead Status", "Industry",
        "Number of Employees", "Annual Revenue", "Website URL",
    ]  # fmt: skip
    data = make_csv(
        [
            ["ann@known.example", "Directeur Marketing", "Sam Seller", "Zürich", "In Progress", "Retail", "450", "12.5M", ""],
            ["bo@other.example", "Leiter Vertrieb", "Former Rep", "", "Bad Timing", "", "51-200", "10M-50M", "https://www.other.example/about"],
        ],
        headers,
    )  # fmt: skip

    job = import_csv(data, actor=marketer)

    assert (job.state, job.created_count, job.error_count) == ("done", 2, 0)
    ann = Lead.objects.select_related("company").get(email="ann@known.example")
    assert (ann.owner, ann.city, ann.lead_status) == (sam, "Zürich", "in_progress")
    assert (ann.seniority, ann.department) == ("director", "marketing")
    # The known company keeps its revenue band and gets what it lacked.
    assert (ann.company.industry, ann.company.employee_count, ann.company.size_band) == (
        "Retail",
        450,
        "201-1000",
    )
    assert ann.company.annual_revenue_band == "1b+"
    bo = Lead.objects.select_related("company").get(email="bo@other.example")
    assert (bo.owner, bo.lead_status, bo.seniority, bo.department) == (
        None,
        "bad_timing",
        "director",
        "sales",
    )
    assert (bo.company.domain, bo.company.employee_count, bo.company.size_band) == (
        "other.example",
        None,
        "51-200",
    )
    assert bo.company.annual_revenue_band == "10m-50m"  # fmt: skip


def test_a_guess_from_the_title_fills_only_what_is_empty_and_the_files_column_overwrites(marketer):
    guessed = LeadFactory(email="a@example.com", seniority="vp", department="")
    given = LeadFactory(email="b@example.com", seniority="vp", department="sales")
    data = make_csv(
        [["a@example.com", "Marketing Intern", ""], ["b@example.com", "CMO", "Director"]],
        ["Email", "Job Title", "Seniority"],
    )

    import_csv(data, actor=marketer)

    guessed.refresh_from_db(), given.refresh_from_db()
    assert (guessed.seniority, guessed.department) == ("vp", "marketing")
    assert (given.seniority, given.department) == ("director", "sales")


def test_an_excel_workbook_of_a_hubspot_export_imports_as_its_csv_does(marketer):
    for name in OWNERS:
        first, last = name.split()
        UserFactory(username=first.lower(), first_name=first, last_name=last, role=Role.SALES)
    export = hubspot_contacts(600)

    job = import_csv(export.xlsx(), actor=marketer, filename="contacts.xlsx")

    assert (job.file_format, job.sheet) == ("excel", "Contacts")
    assert (job.created_count, job.merged_count, job.skipped_count) == (
        export.expected.leads, export.expected.repeats, export.expected.bad_emails,
    )  # fmt: skip
    first = export.rows[0]
    lead = Lead.objects.select_related("company").get(email=first["Email"])
    assert lead.created_at == first["Create Date"].replace(tzinfo=datetime.UTC)
    assert lead.company.employee_count == (first["Number of Employees"] or None)
    from_csv = import_csv(export.csv(), actor=marketer)
    assert (from_csv.created_count, from_csv.updated_count, from_csv.error_count) == (
        0, export.expected.leads, export.expected.bad_emails,
    )  # fmt: skip


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

    import_job_start(job=job, options=ImportOptions(mapping=job.mapping), mode="valid_rows")

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


def _posted(page, **changes) -> dict:
    """What the page's form posts as it stands (every select and radio), with ``changes``."""
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {name: "" if value is None else value for name, value in data.items()} | changes


def _problems_file(client, job) -> list[list[str]]:
    response = client.get(reverse("leads:import_errors", args=[job.pk]))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


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
    text = page.content.decode()
    assert "1 row of 3 has problems." in text
    assert "Email: Not a valid e-mail address." in text
    assert (
        'data-testid="column-problems"><i class="bi bi-exclamation-triangle me-1"></i>1 problem<'
        in text
    )
    assert [page.context["form"][f"column_{i}"].initial for i in range(4)] == [
        "", "first_name", "last_name", "email",
    ]  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("leads:import_start", args=[job.pk]), _posted(page))
    assert response.status_code == 302

    page = client.get(job.get_absolute_url())
    text = page.content.decode()
    assert "Import finished." in text
    assert "2 leads created, 0 updated, 1 row with problems skipped" in text
    assert "nope" in text and "Not a valid e-mail address." in text
    assert Lead.objects.count() == 2

    rows = _problems_file(client, job)
    assert rows == [
        ["Row", "Problems", *HUBSPOT_HEADERS],
        ["3", "Email: Not a valid e-mail address.", *person(2, Email="nope")],
    ]
    job.refresh_from_db()
    assert job.skipped_count == len(rows) - 1


def test_the_problems_file_neutralises_formulas_as_the_export_does(marketer, client_for):
    client = client_for(marketer)
    formula = '=HYPERLINK("http://evil.example/","Click me")'
    job = import_csv(
        make_csv([person(1, Email=formula, **{"First Name": "@SUM(1+1)", "Job Title": "+cmd"})]),
        actor=marketer,
    )

    rows = _problems_file(client, job)

    assert rows[1][:2] == ["2", "Email: Not a valid e-mail address."]
    by_header = dict(zip(rows[0], rows[1], strict=True))
    assert by_header["Email"] == "'" + formula
    assert (by_header["First Name"], by_header["Job Title"]) == ("'@SUM(1+1)", "'+cmd")


def test_changing_the_mapping_redraws_the_preview(marketer, client_for):
    client = client_for(marketer)
    _upload(client, make_csv([person(1)]))
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url())

    response = client.post(
        reverse("leads:import_preview", args=[job.pk]),
        _posted(page, column_6="", column_8="stage"),
        headers={"HX-Request": "true"},
    )

    whole = client.post(
        reverse("leads:import_preview", args=[job.pk]), _posted(page, column_6="", column_8="stage")
    )

    assert response.status_code == 200
    assert b"<html" not in response.content and b'id="preview"' in response.content
    assert b"<html" in whole.content and b"Country/Region: Not a lifecycle stage" in whole.content
    assert b"Lifecycle Stage: Not a lifecycle stage" not in response.content
    assert b"Country/Region: Not a lifecycle stage" in response.content
    assert b"1 row of 1 has problems." in response.content


def test_each_value_of_the_stage_column_is_listed_with_its_count_and_can_be_mapped(
    marketer, client_for, django_capture_on_commit_callbacks
):
    client = client_for(marketer)
    stages = ["Other", "Other", "Hot prospect", "Hot prospect", "Hot prospect", "Cold", "Lead"]
    rows = [person(n, **{"Lifecycle Stage": stage}) for n, stage in enumerate(stages)]
    _upload(client, make_csv(rows))
    job = ImportJob.objects.get()

    page = client.get(job.get_absolute_url())
    values = page.context["form"].choice_columns[0]
    assert [(v.spelling, v.rows, v.recognised, v.target) for v in values.values] == [
        ("Hot prospect", 3, False, "__skip__"),
        ("Cold", 1, False, "__skip__"),
        ("Other", 2, True, ""),
        ("Lead", 1, True, "lead"),
    ]
    assert b"4 rows of 7 have problems." in page.content

    mapped = _posted(page, value__stage__hotprospect="mql", value__stage__lead="__skip__")
    redrawn = client.post(
        reverse("leads:import_preview", args=[job.pk]), mapped, headers={"HX-Request": "true"}
    )
    assert b"2 rows of 7 have problems." in redrawn.content
    assert b"Skipped: rows with this value are set to be skipped." in redrawn.content

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("leads:import_start", args=[job.pk]), mapped)

    job.refresh_from_db()
    assert job.value_mapping["stage"]["hotprospect"] == "mql"
    assert (job.created_count, job.skipped_count) == (5, 2)
    assert sorted(Lead.objects.values_list("stage", flat=True)) == [
        "lead",
        "lead",
        "mql",
        "mql",
        "mql",
    ]
    assert sorted(job.row_errors.values_list("value", "message")) == [
        ("Cold", "Not a lifecycle stage; choose what it becomes on the import page."),
        ("Lead", "Skipped: rows with this value are set to be skipped."),
    ]


def test_the_preview_says_what_happens_to_stages_and_owners_in_words(marketer, client_for, rep):
    client = client_for(marketer)
    headers = ["Email", "Lifecycle Stage", "Contact owner", "Job Title"]
    _upload(client, make_csv([["a@x.example", "MQL", UNKNOWN_OWNER, "CMO"], ["b@x.example", "Other", rep.username, "Analyst"]], headers))  # fmt: skip
    job = ImportJob.objects.get()

    kept = client.get(job.get_absolute_url()).content.decode()
    assert "The file's stages are kept." in kept and "Lead 1 · MQL 1." in kept
    assert "1 name someone who is not one (Former Rep)" in kept
    assert "those new leads are imported without an owner" in kept
    assert "1 of 2 titles give a seniority, 1 a department" in kept

    page = client.get(job.get_absolute_url())
    decided = client.post(
        reverse("leads:import_preview", args=[job.pk]),
        _posted(page, stages="criteria"),
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "The MQL and SQL criteria decide the stages." in decided
    assert "The file's stages are not read." in decided
    assert "Standard MQL: A lead becomes an MQL when" in decided
    assert 'data-testid="not-read">not read<' in decided


def test_starting_from_the_page_button_sends_the_browser_to_the_job(
    marketer, client_for, django_capture_on_commit_callbacks
):
    client = client_for(marketer)
    _upload(client, make_csv([person(1)]))
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url())
    assert b"Importing 1 rows" in page.content  # tasks run in-process here, as in the demo

    # The page shows no order of dates without a date column: the form does without it.
    posted = {name: value for name, value in _posted(page).items() if name != "day_first"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("leads:import_start", args=[job.pk]), posted, headers={"HX-Request": "true"}
        )

    assert response.status_code == 200 and response["HX-Redirect"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == "done"


def test_starting_without_an_email_column_says_so(marketer, client_for):
    client = client_for(marketer)
    _upload(client, make_csv([person(1)]))
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url())
    posted = _posted(page, column_3="")

    response = client.post(reverse("leads:import_start", args=[job.pk]), posted)
    fragment = client.post(
        reverse("leads:import_start", args=[job.pk]), posted, headers={"HX-Request": "true"}
    )

    assert b"Choose the column that holds the e-mail addresses." in response.content
    assert b"<html" in response.content
    assert fragment["HX-Retarget"] == "#preview" and b"<html" not in fragment.content
    assert b"Choose the column that holds the e-mail addresses." in fragment.content
    job.refresh_from_db()
    assert job.state == "pending"


def test_the_progress_bar_polls_while_running_and_the_page_reloads_when_done(marketer, client_for):
    client = client_for(marketer)
    _upload(client, make_csv([person(1)]))
    job = ImportJob.objects.get()
    htmx = {"HX-Request": "true", "HX-Target": "import-progress"}
    ImportJob.objects.filter(pk=job.pk).update(
        state="validating", total_rows=20_000, rows_checked=12_000
    )

    checking = client.get(job.get_absolute_url(), headers=htmx)
    page = client.get(job.get_absolute_url())

    assert b"<html" not in checking.content and b'hx-trigger="every 1s"' in checking.content
    assert (
        b"Step 1 of 2" in checking.content and b"Checked 12,000 of 20,000 rows" in checking.content
    )
    assert b'aria-valuenow="60"' in checking.content
    assert b"<html" in page.content and b'hx-trigger="every 1s"' in page.content

    ImportJob.objects.filter(pk=job.pk).update(
        state="importing", validated_at="2025-01-01T00:00Z", rows_done=5_000
    )
    importing = client.get(job.get_absolute_url(), headers=htmx)
    assert (
        b"Step 2 of 2" in importing.content
        and b"Imported 5,000 of 20,000 rows" in importing.content
    )

    # All or nothing writes in one transaction: without a live count, the bar says so.
    ImportJob.objects.filter(pk=job.pk).update(mode="all_or_nothing")
    one_transaction = client.get(job.get_absolute_url(), headers=htmx)
    assert b"Importing 20,000 rows in one transaction" in one_transaction.content

    ImportJob.objects.filter(pk=job.pk).update(state="done")
    finished = client.get(job.get_absolute_url(), headers=htmx)
    assert finished["HX-Refresh"] == "true"


def test_an_excel_workbook_is_previewed_and_imported_through_the_pages(
    marketer, client_for, django_capture_on_commit_callbacks
):
    client = client_for(marketer)
    export = hubspot_contacts(300)
    _upload(client, export.xlsx(), name="hubspot-contacts.xlsx")
    job = ImportJob.objects.get()

    page = client.get(job.get_absolute_url())
    text = page.content.decode()
    assert "Excel workbook, sheet “Contacts”" in text
    assert f"{export.expected.bad_emails} rows of 300 have problems." in text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("leads:import_start", args=[job.pk]), _posted(page))

    job.refresh_from_db()
    assert (job.created_count, job.merged_count, job.skipped_count) == (
        export.expected.leads, export.expected.repeats, export.expected.bad_emails,
    )  # fmt: skip
    assert len(_problems_file(client, job)) == 1 + export.expected.bad_emails


def test_a_hubspot_export_of_20000_rows_imports_through_the_pages_and_scores_spread(
    marketer, admin_user, client_for, django_capture_on_commit_callbacks
):
    """The whole path on PostgreSQL: upload, preview, start (the task runs in-process here),
    scoring with the starter model, the result page and the problems file."""
    for name in OWNERS:
        first, last = name.split()
        UserFactory(username=first.lower(), first_name=first, last_name=last, role=Role.SALES)
    scoring_model_activate(model=scoring_model_default(), actor=admin_user)
    export = hubspot_contacts(20_000)
    expected = export.expected
    assert expected.other_stage > 2_000  # about 12 %, as in real HubSpot exports
    client = client_for(marketer)

    _upload(client, export.csv(), name="hubspot-contacts.csv")
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url())
    survey = page.context["survey"]
    assert (survey.rows, survey.bad_rows, survey.merged) == (
        20_000,
        expected.bad_emails,
        expected.repeats,
    )
    assert {problem.column for problem in survey.problems} == {"Email"}
    assert "200 rows of 20,000 have problems." in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("leads:import_start", args=[job.pk]), _posted(page))

    job.refresh_from_db()
    assert (job.state, job.total_rows) == ("done", 20_000)
    assert (job.created_count, job.updated_count, job.merged_count, job.skipped_count) == (
        expected.leads, 0, expected.repeats, expected.bad_emails,
    )  # fmt: skip
    assert Lead.objects.count() == expected.leads
    result = client.get(job.get_absolute_url()).content.decode()
    assert f"{expected.leads:,} leads created" in result and "merged duplicates" in result
    problems = _problems_file(client, job)
    assert len(problems) - 1 == job.skipped_count == job.error_count
    assert all(row[1].startswith("Email: ") for row in problems[1:])
    assert any(row[3 + 2].startswith("'=HYPERLINK") for row in problems[1:])
    # Names and titles as written; HubSpot's "Other" enters as Lead.
    assert Lead.objects.filter(last_name="王", first_name="芳").exists()
    assert Lead.objects.filter(job_title="Head of\nPeople").exists()
    assert not Lead.objects.filter(stage="").exists()
    assert Lead.objects.filter(owner__isnull=False).count() > expected.leads // 2
    # Scored from their size, revenue and titles: the scores spread.
    assert Lead.objects.filter(scored_at__isnull=True).count() == 0
    fits = set(Lead.objects.values_list("fit_score", flat=True))
    assert len(fits) >= 8 and max(fits) - min(fits) >= 40
    assert Lead.objects.values("grade").distinct().count() >= 3


@pytest.mark.worker
def test_a_worker_reports_live_progress_that_ends_on_the_result(
    celery_worker, marketer, client_for
):
    client = client_for(marketer)
    _upload(client, hubspot_contacts(20_000).csv())
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url())
    client.post(reverse("leads:import_start", args=[job.pk]), _posted(page))
    htmx = {"HX-Request": "true", "HX-Target": "import-progress"}

    seen, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        response = client.get(job.get_absolute_url(), headers=htmx)
        if response.get("HX-Refresh"):
            break
        if label := re.search(r"(Checked|Imported) ([\d,]+) of 20,000 rows", response.text):
            seen.append((label[1], int(label[2].replace(",", ""))))
        time.sleep(0.1)

    job.refresh_from_db()
    assert job.state == "done"
    importing = [rows for phase, rows in seen if phase == "Imported"]
    assert any(0 < rows < 20_000 for rows in importing), seen
    assert importing == sorted(importing)
    assert b"Import finished." in client.get(job.get_absolute_url()).content


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

    assert "1 leads created, 0 updated, 0 merged duplicates, 1 bad rows skipped" in out.getvalue()
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


def test_the_import_leads_command_reads_a_workbook_and_leaves_stages_to_the_criteria(
    marketer, tmp_path
):
    path = tmp_path / "contacts.xlsx"
    export = hubspot_contacts(200)
    path.write_bytes(export.xlsx())
    out = io.StringIO()

    call_command(
        "import_leads", str(path), "--stages", "criteria", stdout=out, stderr=io.StringIO()
    )

    assert f"{export.expected.leads:,} leads created" in out.getvalue()
    assert set(Lead.objects.values_list("stage", flat=True)) <= {"lead", "mql"}
    assert ImportJob.objects.get().stages == "criteria"


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
