"""Contacts exports as HubSpot writes them, for the import's tests, the benchmark and by hand.

``hubspot_contacts(20_000)`` builds the rows of a HubSpot contacts export: HubSpot's own column
names and values (``Lifecycle Stage`` with about 12 % ``Other``, ``Number of Employees``,
``Annual Revenue`` written several ways, ``Contact owner`` by name, ``Create Date`` as HubSpot
writes it), and what real exports carry: e-mails repeated in another case, bad e-mails,
non-ASCII names, a line break inside a quoted cell and formula-looking cells. ``.csv()`` gives
the file as HubSpot downloads it (UTF-8 with a byte-order mark, CRLF), ``.xlsx()`` the same rows
as an Excel workbook with typed cells (numbers, dates). ``.expected`` says what an import of it
should report. The same seed gives the same file.

    python -m tests.crm_exports 20000 contacts.csv    # or contacts.xlsx
"""

from __future__ import annotations

import csv
import datetime
import io
import random
import sys
from dataclasses import dataclass, field

HUBSPOT_CONTACT_COLUMNS = (
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Company Name",
    "Lifecycle Stage", "Lead Status", "Contact owner", "Create Date", "Number of Employees",
    "Annual Revenue", "City", "State/Region", "Country/Region", "Industry", "Website URL",
    "Original Source", "Marketing contact status", "Last Activity Date",
)  # fmt: skip

# The owners named in the file; an import test creates them as sales users. "Former Rep" is
# nobody's name in the portal.
OWNERS = ("Sam Seller", "Rita Rep", "Morgan Lead")
UNKNOWN_OWNER = "Former Rep"

_PEOPLE = (
    ("Zoë", "Müller", "zoe", "mueller"), ("Jürgen", "Weiß", "juergen", "weiss"),
    ("芳", "王", "fang", "wang"), ("José", "García", "jose", "garcia"),
    ("François", "Dupré", "francois", "dupre"), ("Anna", "Lee", "anna", "lee"),
    ("Søren", "Kierkegård", "soren", "kierkegard"), ("Chloé", "Martin", "chloe", "martin"),
    ("Priya", "Sharma", "priya", "sharma"), ("Tom", "O'Brien", "tom", "obrien"),
    ("Łukasz", "Nowak", "lukasz", "nowak"), ("Ana", "Gonçalves", "ana", "goncalves"),
)  # fmt: skip
# (title, share): a mix of ranks, departments and languages; one with a line break in it.
_TITLES = (
    ("CMO", 4), ("Chief Executive Officer", 3), ("VP Marketing", 5), ("Vice President of Sales", 4),
    ("Head of Growth", 5), ("Marketing Director", 6), ("Directeur Marketing", 3),
    ("Leiter Vertrieb", 3), ("Sales Manager", 8), ("Marketing Manager", 8),
    ("Software Engineer", 8), ("Founder", 3), ("Owner", 2), ("Marketing Intern", 4),
    ("Account Executive", 6), ("HR Manager", 3), ("Finance Director", 3), ("IT Manager", 3),
    ("Operations Manager", 3), ("市场总监", 2), ("Head of\nPeople", 1), ("Analyst", 4), ("", 5),
)  # fmt: skip
# HubSpot's lifecycle stages as its exports write them (labels, and internal names in older
# exports), with their shares in percent; "Other" is HubSpot's catch-all.
_STAGES = (
    ("Subscriber", 18), ("Lead", 30), ("Marketing Qualified Lead", 8),
    ("marketingqualifiedlead", 3), ("Sales Qualified Lead", 4), ("salesqualifiedlead", 2),
    ("Opportunity", 5), ("Customer", 8), ("Evangelist", 2), ("Other", 12), ("", 8),
)  # fmt: skip
_LEAD_STATUSES = (
    ("New", 30), ("Open", 15), ("In Progress", 15), ("Attempted to Contact", 10),
    ("Connected", 10), ("Open Deal", 5), ("Unqualified", 5), ("Bad Timing", 5), ("", 5),
)  # fmt: skip
_EMPLOYEES = (("3", 10), ("25", 20), ("120", 20), ("450", 20), ("2500", 15), ("12000", 5), ("", 10))
# Annual revenue as people type it into HubSpot's free-text property.
_REVENUES = (
    ("500000", 15), ("$2,500,000", 15), ("12.5M", 15), ("10M-50M", 10), ("75000000", 15),
    ("1200000000", 10), ("", 20),
)  # fmt: skip
_PLACES = (
    ("Berlin", "Berlin", "Germany"), ("München", "Bayern", "Germany"),
    ("Zürich", "Zürich", "Switzerland"), ("Paris", "Île-de-France", "France"),
    ("São Paulo", "SP", "Brazil"), ("北京", "北京", "China"), ("Boston", "MA", "United States"),
    ("London", "", "United Kingdom"),
)  # fmt: skip
_INDUSTRIES = ("COMPUTER_SOFTWARE", "Marketing and Advertising", "Financial Services", "Retail")
_SOURCES = (
    "Organic Search", "PAID_SEARCH", "Direct Traffic", "Offline Sources", "Referrals",
    "Social Media", "Email Marketing", "Other Campaigns",
)  # fmt: skip
_BAD_EMAILS = (
    "not-an-email", "jane@", "@example.com", "two words@example.com",
    '=HYPERLINK("http://evil.example/","Click me")', "",
)  # fmt: skip
# Cells that a spreadsheet would run as formulas, in columns whose text is kept as typed.
_FORMULA_CELLS = (
    ("Job Title", "+cmd|' /C calc'!A0"), ("Company Name", "-1+2"), ("Last Name", "@SUM(1+1)"),
    ("City", '=HYPERLINK("http://evil.example/","Berlin")'),
)  # fmt: skip

CREATED_FROM = datetime.datetime(2023, 1, 1, 8, 0)
COMPANIES = 1_500


@dataclass
class Expected:
    """What an import of the export should report."""

    rows: int = 0
    bad_emails: int = 0
    # Rows repeating an earlier row's e-mail in another case: one lead each, merged.
    repeats: int = 0
    other_stage: int = 0
    unknown_owner: int = 0

    @property
    def leads(self) -> int:
        return self.rows - self.bad_emails - self.repeats


@dataclass
class Export:
    headers: tuple[str, ...]
    rows: list[dict[str, object]]
    expected: Expected = field(default_factory=Expected)

    def csv(self) -> bytes:
        """As HubSpot downloads it: UTF-8 with a byte-order mark, CRLF line ends."""
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.headers)
        for row in self.rows:
            writer.writerow([_text(row.get(header, "")) for header in self.headers])
        return b"\xef\xbb\xbf" + out.getvalue().encode()

    def xlsx(self) -> bytes:
        """An Excel workbook of the same rows: numbers as numbers, dates as date cells."""
        import xlsxwriter

        out = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
        )
        sheet = workbook.add_worksheet("Contacts")
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        sheet.write_row(0, 0, self.headers)
        for number, row in enumerate(self.rows, 1):
            for column, header in enumerate(self.headers):
                value = row.get(header, "")
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(number, column, value, date_format)
                elif isinstance(value, int | float):
                    sheet.write_number(number, column, value)
                else:
                    sheet.write_string(number, column, value)
        workbook.close()
        return out.getvalue()


def _text(value: object) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")  # HubSpot's own format
    return str(value)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def hubspot_contacts(rows: int, *, seed: int = 7) -> Export:
    """A HubSpot contacts export of ``rows`` rows (see the module docstring)."""
    rng = random.Random(seed)
    expected = Expected(rows=rows)
    good_emails: list[str] = []
    records: list[dict[str, object]] = []
    for number in range(rows):
        first, last, first_ascii, last_ascii = rng.choice(_PEOPLE)
        company = rng.randrange(COMPANIES)
        city, region, country = _PLACES[company % len(_PLACES)]
        employees = _pick(rng, _EMPLOYEES)
        record: dict[str, object] = {
            "Record ID": 51_000 + number,
            "First Name": first,
            "Last Name": last,
            "Email": f"{first_ascii}.{last_ascii}.{number}@firm{company}.example",
            "Phone Number": rng.choice(("+1 (555) 010-2000", "+49 30 1234567", "", "")),
            "Job Title": _pick(rng, _TITLES),
            "Company Name": f"Firm {company} GmbH",
            "Lifecycle Stage": _pick(rng, _STAGES),
            "Lead Status": _pick(rng, _LEAD_STATUSES),
            "Contact owner": rng.choice((*OWNERS, *OWNERS, UNKNOWN_OWNER, "")),
            "Create Date": CREATED_FROM
            + datetime.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
            "Number of Employees": int(employees) if employees else "",
            "Annual Revenue": _pick(rng, _REVENUES),
            "City": city,
            "State/Region": region,
            "Country/Region": country,
            "Industry": rng.choice(_INDUSTRIES),
            "Website URL": f"https://www.firm{company}.example/",
            "Original Source": rng.choice(_SOURCES),
            "Marketing contact status": rng.choice(("Marketing contact", "Non-marketing contact")),
            "Last Activity Date": "",
        }
        if number % 100 == 37:
            record["Email"] = _BAD_EMAILS[(number // 100) % len(_BAD_EMAILS)]
        elif number % 100 == 71 and good_emails:
            # The same person again, typed in capitals by another team.
            record["Email"] = rng.choice(good_emails[-50:]).upper()
        elif number % 250 == 5:
            header, value = _FORMULA_CELLS[(number // 250) % len(_FORMULA_CELLS)]
            record[header] = value
        records.append(record)
        email = str(record["Email"])
        if number % 100 == 37:
            expected.bad_emails += 1
        elif number % 100 == 71 and good_emails:
            expected.repeats += 1
        else:
            good_emails.append(email)
        expected.other_stage += record["Lifecycle Stage"] == "Other"
        expected.unknown_owner += record["Contact owner"] == UNKNOWN_OWNER
    return Export(headers=HUBSPOT_CONTACT_COLUMNS, rows=records, expected=expected)


if __name__ == "__main__":
    count, path = int(sys.argv[1]), sys.argv[2]
    export = hubspot_contacts(count)
    with open(path, "wb") as file:
        file.write(export.xlsx() if path.endswith(".xlsx") else export.csv())
    print(f"{path}: {count:,} rows, {export.expected.bad_emails:,} bad e-mails, "
          f"{export.expected.repeats:,} repeated e-mails, {export.expected.leads:,} leads")  # fmt: skip
