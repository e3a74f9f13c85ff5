"""Reading a lead CSV: decoding, the delimiter, recognising headers, and checking each row.

Nothing here touches the database: it turns bytes into rows of clean values or into problems
(row number, column, value, message), so the preview, the validation pass and the import all
judge a row the same way.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from charset_normalizer import from_bytes
from django.core.exceptions import ValidationError
from django_countries import countries

from leads.models import Channel, Company, Lead, Stage
from leads.services import normalize_domain

# The fields a column may be mapped to, in the order the mapping form lists them.
FIELD_LABELS: dict[str, str] = {
    "email": "E-mail",
    "first_name": "First name",
    "last_name": "Last name",
    "job_title": "Job title",
    "phone": "Phone",
    "country": "Country",
    "stage": "Lifecycle stage",
    "original_channel": "Original source",
    "original_utm_source": "UTM source",
    "original_utm_medium": "UTM medium",
    "original_utm_campaign": "UTM campaign",
    "company_name": "Company name",
    "company_domain": "Company domain / website",
    "company_industry": "Industry",
}
# Lead columns set from a field of the same name.
LEAD_TEXT_FIELDS = (
    "first_name", "last_name", "job_title", "phone", "original_utm_source",
    "original_utm_medium", "original_utm_campaign",
)  # fmt: skip

# Header spellings, compared after lower-casing and dropping everything but letters and digits,
# so "First Name", "first_name" and "FIRSTNAME" are one spelling. HubSpot export headers included.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "e-mail", "mail", "workemail", "businessemail"),
    "first_name": ("firstname", "first", "givenname", "forename", "vorname", "prenom"),
    "last_name": ("lastname", "last", "surname", "familyname", "nachname", "nom"),
    "job_title": ("jobtitle", "title", "position", "role", "jobrole"),
    "phone": ("phone", "phonenumber", "telephone", "mobilephonenumber", "mobile", "tel"),
    "country": ("country", "countryregion", "countrycode", "land", "pays"),
    "stage": ("lifecyclestage", "stage", "leadstage", "funnelstage", "status"),
    "original_channel": ("originalsource", "source", "leadsource", "channel", "originalchannel"),
    "original_utm_source": ("utmsource", "originalsourcedrilldown1"),
    "original_utm_medium": ("utmmedium",),
    "original_utm_campaign": ("utmcampaign", "campaign", "originalsourcedrilldown2"),
    "company_name": ("companyname", "company", "organization", "organisation", "account", "accountname", "associatedcompany"),
    "company_domain": ("companydomainname", "companydomain", "domain", "website", "websiteurl", "companywebsite", "url"),
    "company_industry": ("industry", "companyindustry"),
}  # fmt: skip
_HEADER_TO_FIELD = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}

_STAGE_ALIASES = {
    "marketingqualifiedlead": Stage.MQL,
    "salesacceptedlead": Stage.SAL,
    "salesqualifiedlead": Stage.SQL,
    "opp": Stage.OPPORTUNITY,
    "won": Stage.CUSTOMER,
    "closedwon": Stage.CUSTOMER,
    "promoter": Stage.EVANGELIST,
    "advocate": Stage.EVANGELIST,
    "nurture": Stage.RECYCLED,
    "unqualified": Stage.DISQUALIFIED,
}
# HubSpot's "Original Source" values, as shown ("Organic Search") and as exported ("ORGANIC_SEARCH").
_CHANNEL_ALIASES = {
    "emailmarketing": Channel.EMAIL,
    "organicsocial": Channel.SOCIAL,
    "socialmedia": Channel.SOCIAL,
    "referrals": Channel.REFERRAL,
    "directtraffic": Channel.DIRECT,
    "offline": Channel.IMPORT,
    "offlinesources": Channel.IMPORT,
    "othercampaigns": Channel.OTHER,
    "airefferals": Channel.REFERRAL,
    "aireferrals": Channel.REFERRAL,
    "events": Channel.EVENT,
    "partners": Channel.PARTNER,
    "salesoutbound": Channel.OUTBOUND,
}
_COUNTRY_ALIASES = {
    "usa": "US", "us": "US", "unitedstates": "US", "unitedstatesofamerica": "US", "america": "US",
    "uk": "GB", "greatbritain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "deutschland": "DE", "holland": "NL", "russia": "RU", "southkorea": "KR", "korea": "KR",
    "vietnam": "VN", "iran": "IR", "syria": "SY", "bolivia": "BO", "venezuela": "VE",
    "tanzania": "TZ", "laos": "LA", "moldova": "MD", "czechia": "CZ", "czechrepublic": "CZ",
}  # fmt: skip
# Free e-mail providers: their domain says nothing about the lead's company.
FREE_MAIL_DOMAINS = frozenset(
    ("gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
     "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net", "web.de", "proton.me",
     "protonmail.com", "yandex.ru", "mail.ru", "orange.fr", "free.fr", "t-online.de")
)  # fmt: skip

# Deliberately simpler than a full RFC 5322 check: an ASCII local part (so Python and
# PostgreSQL lower-case it alike), one @, a dotted domain.
_EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")  # fmt: skip
_DOMAIN_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")  # fmt: skip
_NOT_LETTERS_OR_DIGITS = re.compile(r"[^a-z0-9]")

_MAX_LENGTHS = {
    "email": Lead._meta.get_field("email").max_length,
    **{name: Lead._meta.get_field(name).max_length for name in LEAD_TEXT_FIELDS},
    "company_name": Company._meta.get_field("name").max_length,
    "company_domain": Company._meta.get_field("domain").max_length,
    "company_industry": Company._meta.get_field("industry").max_length,
}
_SAMPLE_BYTES = 200_000


def _key(text: str) -> str:
    return _NOT_LETTERS_OR_DIGITS.sub("", text.lower())


def _lookup(choices, aliases: dict[str, str]) -> dict[str, str]:
    table = {}
    for value, label in choices:
        table[_key(value)] = value
        table[_key(label)] = value
    return {**table, **{alias: str(value) for alias, value in aliases.items()}}


STAGES = _lookup(Stage.choices, _STAGE_ALIASES)
CHANNELS = _lookup(Channel.choices, _CHANNEL_ALIASES)
COUNTRIES = {
    **{_key(name): code for code, name in countries},
    **{code.lower(): code for code, _ in countries},
    **{countries.alpha3(code).lower(): code for code, _ in countries},
    **_COUNTRY_ALIASES,
}


# --- decoding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodedFile:
    text: str
    encoding: str
    delimiter: str


def decode(data: bytes) -> DecodedFile:
    """The text of an uploaded CSV, its encoding and delimiter; ValidationError if it is not one.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a mark are read as such; anything
    else is handed to charset-normalizer, limited to the Western single-byte encodings that
    spreadsheets export (Windows-1252, Latin-1), because on short samples it otherwise guesses
    Central European code pages for German or French names.
    """
    if not data.strip():
        raise ValidationError("The file is empty.")
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in data[:8192]:
        raise ValidationError("This is not a CSV file: it holds binary data.")
    else:
        encoding = _guess_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "cp1252":
            raise ValidationError(
                f"The file could not be read as {encoding}; save it as UTF-8 CSV and try again."
            ) from None
        encoding, text = "latin-1", data.decode("latin-1")
    if "\x00" in text:
        raise ValidationError("This is not a CSV file: it holds binary data.")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ValidationError("The file is empty.")
    return DecodedFile(text=text, encoding=encoding, delimiter=_guess_delimiter(text))


def _guess_encoding(data: bytes) -> str:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = from_bytes(data[:_SAMPLE_BYTES], cp_isolation=["cp1252", "latin_1"]).best()
    if best is None:
        raise ValidationError("This is not a CSV file: its bytes are not text.")
    return "cp1252" if best.encoding == "cp1252" else "latin-1"


def _guess_delimiter(text: str) -> str:
    """Comma, semicolon or tab, whichever the header line holds most of (commas on a tie).

    The header line alone decides: data rows hold commas inside quoted names and addresses,
    which is where ``csv.Sniffer`` goes wrong on semicolon files.
    """
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))
    return best if counts[best] else ","


@dataclass(frozen=True)
class Table:
    """A decoded file's header cells and an iterator over its non-blank data rows."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]


def read_table(text: str, delimiter: str) -> Table:
    """The header and the data rows, numbered as a spreadsheet numbers them (the header is row
    1), so a quoted line break inside a cell does not shift the numbers. Blank rows are left out.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [cell.strip() for cell in next(reader, [])]
    except csv.Error as error:
        raise ValidationError(f"The first row could not be read: {error}.") from None
    if not any(headers):
        raise ValidationError("The first row must hold the column names; it is empty.")

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except csv.Error as error:
            raise ValidationError(f"Row {number + 1} could not be read: {error}.") from None

    return Table(headers=headers, rows=rows())


def guess_mapping(headers: list[str]) -> list[str]:
    """The field each column holds, "" for a column to ignore; the first column wins a field."""
    taken: set[str] = set()
    mapping = []
    for header in headers:
        name = _HEADER_TO_FIELD.get(_key(header), "")
        if name in taken:
            name = ""
        taken.add(name)
        mapping.append(name)
    return mapping


# --- rows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    message: str


@dataclass
class CheckedRow:
    """One data row: its clean values (field → value, only mapped fields) or its problems."""

    number: int
    values: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems


class RowChecker:
    """Checks rows against a column mapping: ``checker.check(number, cells)``."""

    def __init__(self, headers: list[str], mapping: list[str]) -> None:
        self.columns = [
            (index, name, headers[index] or f"Column {index + 1}")
            for index, name in enumerate(mapping)
            if name
        ]
        self.fields = [name for _, name, _ in self.columns]
        self.email_header = next(
            (header for _, name, header in self.columns if name == "email"), "E-mail"
        )

    def check(self, number: int, cells: list[str]) -> CheckedRow:
        row = CheckedRow(number=number)
        values = row.values
        for index, name, header in self.columns:
            raw = cells[index].strip() if index < len(cells) else ""
            value, message = _clean(name, raw)
            if message:
                row.problems.append(Problem(number, header, raw, message))
            values[name] = value
        if not values.get("email") and not any(p.column == self.email_header for p in row.problems):
            row.problems.append(
                Problem(number, self.email_header, "", "The e-mail address is missing.")
            )
        if row.problems:
            return row
        if not values.get("company_domain") and values.get("company_name"):
            # Without a domain column, a work address says which company the lead belongs to.
            domain = values["email"].rpartition("@")[2]
            if domain not in FREE_MAIL_DOMAINS:
                values["company_domain"] = domain
        return row


def _clean(name: str, raw: str) -> tuple[str, str]:
    """(clean value, "") or (raw value, the problem)."""
    if not raw:
        return "", ""
    limit = _MAX_LENGTHS.get(name)
    if limit and len(raw) > limit:
        return raw, f"Longer than {limit} characters."
    if name == "email":
        email = Lead.normalize_email(raw)
        if not _EMAIL_PATTERN.match(email):
            return raw, "Not a valid e-mail address."
        return email, ""
    if name == "stage":
        stage = STAGES.get(_key(raw))
        if stage is None:
            return raw, f"Not a lifecycle stage; use one of: {', '.join(Stage.labels)}."
        return stage, ""
    if name == "original_channel":
        channel = CHANNELS.get(_key(raw))
        if channel is None:
            return raw, f"Not a known source; use one of: {', '.join(Channel.labels)}."
        return channel, ""
    if name == "country":
        code = COUNTRIES.get(_key(raw))
        if code is None:
            return raw, "Not a country name or ISO code."
        return code, ""
    if name == "company_domain":
        domain = normalize_domain(raw)
        if not _DOMAIN_PATTERN.match(domain):
            return raw, "Not a domain name (such as acme.com)."
        return domain, ""
    return raw, ""
