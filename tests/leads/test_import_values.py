"""How an import reads what CRM exports write: their headers, dates, head counts, revenues,
job titles, choice values, and Excel's typed cells. Pure functions: no database."""

from __future__ import annotations

import datetime
import io

import pytest
import xlsxwriter

from leads.imports.files import EXCEL, file_format, read_table
from leads.imports.parsing import (
    LEAVE_EMPTY,
    SKIP_ROW,
    ImportOptions,
    Owner,
    Owners,
    RowChecker,
    guess_mapping,
)
from leads.imports.titles import title_department, title_seniority
from leads.imports.values import (
    dates_day_first,
    parse_datetime,
    parse_employees,
    parse_revenue_band,
)
from tests.crm_exports import HUBSPOT_CONTACT_COLUMNS

UTC = datetime.UTC


# --- headers ---------------------------------------------------------------------------------------


def test_hubspot_contact_export_headers_are_recognised():
    mapping = dict(
        zip(HUBSPOT_CONTACT_COLUMNS, guess_mapping(list(HUBSPOT_CONTACT_COLUMNS)), strict=True)
    )
    assert mapping == {
        "Record ID": "", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
        "Phone Number": "phone", "Job Title": "job_title", "Company Name": "company_name",
        "Lifecycle Stage": "stage", "Lead Status": "lead_status", "Contact owner": "owner",
        "Create Date": "created_at", "Number of Employees": "company_employees",
        "Annual Revenue": "company_revenue", "City": "city", "State/Region": "",
        "Country/Region": "country", "Industry": "company_industry",
        "Website URL": "company_domain", "Original Source": "original_channel",
        "Marketing contact status": "", "Last Activity Date": "",
    }  # fmt: skip


def test_salesforce_lead_export_headers_are_recognised():
    headers = [
        "First Name", "Last Name", "Title", "Company", "Email", "Phone", "Lead Status",
        "Lead Owner", "Created Date", "No. of Employees", "Annual Revenue", "Lead Source", "City",
        "State/Province", "Country", "Industry", "Website", "Rating",
    ]  # fmt: skip
    assert guess_mapping(headers) == [
        "first_name", "last_name", "job_title", "company_name", "email", "phone", "lead_status",
        "owner", "created_at", "company_employees", "company_revenue", "original_channel",
        "city", "", "country", "company_industry", "company_domain", "",
    ]  # fmt: skip


def test_salesforce_api_names_are_recognised():
    headers = ["FirstName", "LastName", "Email", "Status", "OwnerId", "CreatedDate", "NumberOfEmployees", "AnnualRevenue", "LeadSource"]  # fmt: skip
    assert guess_mapping(headers) == [
        "first_name", "last_name", "email", "lead_status", "owner", "created_at",
        "company_employees", "company_revenue", "original_channel",
    ]  # fmt: skip


def test_pipedrive_people_export_headers_are_recognised():
    headers = [
        "Person - ID", "Person - Name", "Person - Email - Work", "Person - Phone - Work",
        "Person - Organization", "Person - Owner", "Person - Label", "Person - Job title",
        "Person - Person created", "Person - City/town/village/locality of Postal address",
        "Organization - Number of employees", "Organization - Annual revenue",
        "Organization - Name",
    ]  # fmt: skip
    assert guess_mapping(headers) == [
        "", "full_name", "email", "phone", "company_name", "owner", "", "job_title",
        "created_at", "city", "company_employees", "company_revenue", "",
    ]  # fmt: skip


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "day_first", "moment"),
    [
        ("2024-03-05 14:22", False, datetime.datetime(2024, 3, 5, 14, 22, tzinfo=UTC)),  # HubSpot
        ("2024-03-05", False, datetime.datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03-05T14:22:00Z", False, datetime.datetime(2024, 3, 5, 14, 22, tzinfo=UTC)),
        # Salesforce's Data Loader, with its +0000.
        ("2024-03-05T14:22:00.000+0000", False, datetime.datetime(2024, 3, 5, 14, 22, tzinfo=UTC)),
        ("2024-03-05T16:22:00+02:00", False, datetime.datetime(2024, 3, 5, 14, 22, tzinfo=UTC)),
        (
            "2024-03-05 14:22:33",
            False,
            datetime.datetime(2024, 3, 5, 14, 22, 33, tzinfo=UTC),
        ),  # Pipedrive
        ("03/05/2024", False, datetime.datetime(2024, 3, 5, tzinfo=UTC)),  # US: month first
        ("03/05/2024", True, datetime.datetime(2024, 5, 3, tzinfo=UTC)),
        (
            "3/5/2024, 2:22 PM",
            False,
            datetime.datetime(2024, 3, 5, 14, 22, tzinfo=UTC),
        ),  # Salesforce report
        ("12/31/2023 12:05 AM", False, datetime.datetime(2023, 12, 31, 0, 5, tzinfo=UTC)),
        (
            "05.03.2024",
            False,
            datetime.datetime(2024, 3, 5, tzinfo=UTC),
        ),  # dotted: always day first
        ("05.03.24 09:30", False, datetime.datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("1709648520000", False, datetime.datetime(2024, 3, 5, 14, 22, tzinfo=UTC)),  # epoch ms
    ],
)
def test_dates_as_crms_write_them(written, day_first, moment):
    assert parse_datetime(written, day_first=day_first) == moment


@pytest.mark.parametrize("written", ["25/03/2024", "yesterday", "2024-13-01", "2999-01-01"])
def test_what_is_not_a_date_or_lies_ahead_is_refused(written):
    with pytest.raises(ValueError, match=r"Not a date|in the future"):
        parse_datetime(written, day_first=False)


def test_slashed_dates_are_day_first_when_one_of_them_has_a_day_above_12():
    assert not dates_day_first(["03/05/2024", "11/12/2023", "2024-01-30"])
    assert dates_day_first(["03/05/2024", "25/03/2024"])


# --- head counts and revenue ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("250", (250, "201-1000")), ("1,200", (1200, "1001-5000")), ("3", (3, "1-10")),
        ("51-200", (None, "51-200")), ("10,001+", (None, "5001+")), ("12000", (12000, "5001+")),
        ("1.200", (1200, "1001-5000")),
    ],
)  # fmt: skip
def test_numbers_of_employees(written, expected):
    assert parse_employees(written) == expected


@pytest.mark.parametrize(
    ("written", "band"),
    [
        ("$12,500,000", "10m-50m"), ("12.5M", "10m-50m"), ("12500000", "10m-50m"),
        ("10M-50M", "10m-50m"), ("$10M–50M", "10m-50m"), ("500000", "<1m"), ("Under $1M", "<1m"),
        ("2.5 million", "1m-10m"), ("EUR 12,5 Mio", "10m-50m"), ("75000000", "50m-250m"),
        ("1.2B", "1b+"), ("Over $1B", "1b+"), ("1b+", "1b+"), ("250M-1B", "250m-1b"),
        ("12.500.000", "10m-50m"),
    ],
)  # fmt: skip
def test_annual_revenue_bands(written, band):
    assert parse_revenue_band(written) == band


@pytest.mark.parametrize("written", ["lots", "-5", "50M-10M", "12 parsecs"])
def test_what_is_not_an_amount_is_refused(written):
    with pytest.raises(ValueError, match="Not an amount"):
        parse_revenue_band(written)


# --- job titles ------------------------------------------------------------------------------------

TITLES = [
    # title, seniority, department
    ("CMO", "c_level", "marketing"),
    ("Chief Executive Officer", "c_level", "executive"),
    ("Chief Revenue Officer", "c_level", "sales"),
    ("VP Marketing", "vp", "marketing"),
    ("Vice President of Sales", "vp", "sales"),
    ("Head of Growth", "director", "marketing"),
    ("Marketing Director", "director", "marketing"),
    ("Sales Manager", "manager", "sales"),
    ("Senior Software Engineer", "senior", "engineering"),
    ("Founder", "owner", "executive"),
    ("Owner", "owner", "executive"),
    ("Marketing Intern", "entry", "marketing"),
    ("Account Executive", "", "sales"),
    ("HR Manager", "manager", "hr"),
    ("Head of People", "director", "hr"),
    ("Finance Director", "director", "finance"),
    ("IT Manager", "manager", "it"),
    ("Operations Manager", "manager", "operations"),
    ("Product Owner", "senior", ""),
    ("Analyst", "", ""),
    # French, German, Spanish, Chinese
    ("Directeur Marketing", "director", "marketing"),
    ("Directeur Général", "c_level", "executive"),
    ("Responsable Marketing", "manager", "marketing"),
    ("Leiter Vertrieb", "director", "sales"),
    ("Vertriebsleiterin", "director", "sales"),
    ("Geschäftsführer", "c_level", "executive"),
    ("Teamleiter Einkauf", "manager", "operations"),
    ("IT-Leiter", "director", "it"),
    ("Jefe de Ventas", "manager", "sales"),
    ("Directora de Recursos Humanos", "director", "hr"),
    ("市场总监", "director", "marketing"),
    ("销售经理", "manager", "sales"),
]


@pytest.mark.parametrize(("title", "seniority", "department"), TITLES)
def test_seniority_and_department_are_read_from_the_job_title(title, seniority, department):
    assert (title_seniority(title), title_department(title)) == (seniority, department)


# --- choice values ---------------------------------------------------------------------------------

SAM = Owner(id=7, name="Sam Seller", email="sam@acme.example", username="sam")


def _checker(headers: list[str], **options) -> RowChecker:
    mapping = guess_mapping(headers)
    return RowChecker(headers, ImportOptions(mapping=mapping, **options), Owners([SAM]))


@pytest.mark.parametrize(
    ("cell", "stage"),
    [
        ("Other", ""), ("marketingqualifiedlead", "mql"), ("Marketing Qualified Lead", "mql"),
        ("salesqualifiedlead", "sql"), ("Sales Qualified Lead", "sql"), ("opportunity", "opportunity"),
        ("evangelist", "evangelist"), ("SUBSCRIBER", "subscriber"),
    ],
)  # fmt: skip
def test_hubspot_lifecycle_stages_are_recognised(cell, stage):
    row = _checker(["Email", "Lifecycle Stage"]).check(2, ["a@b.example", cell])
    assert row.is_valid and row.values.get("stage", "") == stage


def test_the_value_mapping_turns_a_value_into_a_choice_an_empty_value_or_a_skipped_row():
    values = {"stage": {"hotprospect": "mql", "cold": LEAVE_EMPTY, "lead": SKIP_ROW}}
    checker = _checker(["Email", "Lifecycle Stage"], values=values)

    assert checker.check(2, ["a@b.example", "Hot prospect"]).values["stage"] == "mql"
    assert checker.check(3, ["a@b.example", "COLD"]).values["stage"] == ""
    skipped = checker.check(4, ["a@b.example", "Lead"])
    assert [p.message for p in skipped.problems] == [
        "Skipped: rows with this value are set to be skipped."
    ]
    unknown = checker.check(5, ["a@b.example", "Warm"])
    assert unknown.problems[0].message.startswith("Not a lifecycle stage")


def test_stages_are_not_read_when_the_criteria_decide():
    row = _checker(["Email", "Lifecycle Stage"], keep_stages=False).check(
        2, ["a@b.example", "Warm"]
    )
    assert row.is_valid and "stage" not in row.values


@pytest.mark.parametrize(
    ("cell", "owner"),
    [
        ("Sam Seller", 7), ("sam seller", 7), ("sam@acme.example", 7),
        ("Sam Seller (sam@acme.example)", 7), ("Former Rep", None), ("sam", 7),
    ],
)  # fmt: skip
def test_owners_are_matched_by_email_or_name_and_an_unknown_one_is_left_unassigned(cell, owner):
    row = _checker(["Email", "Contact owner"]).check(2, ["a@b.example", cell])
    assert row.is_valid and row.values["owner"] == owner


def test_lead_statuses_of_hubspot_and_salesforce_map_to_one_small_set():
    checker = _checker(["Email", "Lead Status"])
    statuses = [
        checker.check(2, ["a@b.example", cell]).values["lead_status"]
        for cell in ("NEW", "Open", "In Progress", "ATTEMPTED_TO_CONTACT", "Working - Contacted",
                     "Closed - Converted", "Closed - Not Converted", "Nurturing")
    ]  # fmt: skip
    assert statuses == [
        "new", "new", "in_progress", "attempted", "in_progress", "converted", "unqualified", "",
    ]  # fmt: skip


def test_a_full_name_is_split_and_several_addresses_give_the_first():
    row = _checker(["Person - Name", "Person - Email"]).check(
        2, ["José García López", "jose@acme.example, jg@home.example"]
    )
    assert row.values["email"] == "jose@acme.example"
    assert (row.values["first_name"], row.values["last_name"]) == ("José", "García López")


# --- Excel cells -----------------------------------------------------------------------------------


def test_excel_cells_come_out_as_a_csv_export_would_write_them():
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Contacts")
    sheet.write_row(2, 1, ["Email", "Create Date", "Number of Employees", "Phone", "Revenue"])
    sheet.write_string(3, 1, "a@b.example")
    sheet.write_datetime(
        3,
        2,
        datetime.datetime(2024, 3, 5, 14, 22),
        workbook.add_format({"num_format": "d/m/yy h:mm"}),
    )
    sheet.write_number(3, 3, 250)
    sheet.write_number(3, 4, 4915112345678)
    sheet.write_number(3, 5, 12.5e6)
    sheet.write_string(5, 1, "c@d.example")
    workbook.close()
    data = buffer.getvalue()

    form = file_format(data)
    table = read_table(data, form)

    assert (form.kind, form.sheet) == (EXCEL, "Contacts")
    assert table.headers == ["Email", "Create Date", "Number of Employees", "Phone", "Revenue"]
    assert list(table.rows) == [
        (4, ["a@b.example", "2024-03-05 14:22", "250", "4915112345678", "12500000"]),
        (6, ["c@d.example", "", "", "", ""]),
    ]
