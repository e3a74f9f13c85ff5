"""What an import's columns and values mean: the fields a column may hold, the headers HubSpot,
Salesforce and Pipedrive write, the values of choice columns, and checking each row.

Nothing here touches the database: it turns a row's cells into clean values or into problems
(row number, column, value, message), so the preview, the validation pass and the import all
judge a row the same way. The active sales users an owner column is matched against are given
by the caller (``Owners``).

Choice columns (lifecycle stage, source, country, lead status, owner, seniority, department)
are read through a value mapping: each distinct value of the column becomes a choice, is left
empty, or makes its row skipped. The mapping starts from what is recognised here (HubSpot's
``marketingqualifiedlead`` is an MQL, its ``Other`` is no stage) and the user may change any
value on the preview; the job stores the result. A value that is not recognised and not mapped
is a problem for stage, source and country, which decide where a lead sits in the funnel and in
reports, and is left empty for the others, which only describe it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django_countries import countries

from leads.imports.titles import title_department, title_seniority
from leads.imports.values import parse_datetime, parse_employees, parse_revenue_band
from leads.models import Channel, Company, Department, Lead, LeadStatus, Seniority, Stage
from leads.services import normalize_domain

# The fields a column may be mapped to, in the order the mapping form lists them.
FIELD_LABELS: dict[str, str] = {
    "email": "E-mail",
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name (first word = first name)",
    "job_title": "Job title",
    "seniority": "Seniority",
    "department": "Department",
    "phone": "Phone",
    "city": "City",
    "country": "Country",
    "stage": "Lifecycle stage",
    "lead_status": "Lead status",
    "owner": "Owner",
    "created_at": "Create date",
    "original_channel": "Original source",
    "original_utm_source": "UTM source",
    "original_utm_medium": "UTM medium",
    "original_utm_campaign": "UTM campaign",
    "company_name": "Company name",
    "company_domain": "Company domain / website",
    "company_industry": "Industry",
    "company_employees": "Number of employees",
    "company_revenue": "Annual revenue",
}
# Lead columns set from a field of the same name, as typed.
LEAD_TEXT_FIELDS = (
    "first_name", "last_name", "job_title", "phone", "city", "original_utm_source",
    "original_utm_medium", "original_utm_campaign",
)  # fmt: skip

# Header spellings, compared after lower-casing and dropping everything but letters and digits,
# so "First Name", "first_name" and "FIRSTNAME" are one spelling. Pipedrive's "Person - " and
# "Organization - " prefixes are taken off first (see ``_header_field``). The spellings of
# HubSpot (labels and internal names), Salesforce (labels and API names) and Pipedrive exports
# are included.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "e-mail", "mail", "workemail", "businessemail", "emailwork", "emailother", "emailhome"),
    "first_name": ("firstname", "first", "givenname", "forename", "vorname", "prenom"),
    "last_name": ("lastname", "last", "surname", "familyname", "nachname", "nom"),
    "full_name": ("name", "fullname", "contactname", "personname"),
    "job_title": ("jobtitle", "title", "position", "role", "jobrole"),
    "seniority": ("seniority", "senioritylevel", "joblevel", "level"),
    "department": ("department", "jobfunction", "function", "abteilung"),
    "phone": ("phone", "phonenumber", "telephone", "mobilephonenumber", "mobile", "mobilephone", "tel", "phonework", "phonemobile"),
    "city": ("city", "town", "stadt", "ville", "citytownvillagelocalityofpostaladdress", "citytownvillagelocalityofaddress", "mailingcity"),
    "country": ("country", "countryregion", "countrycode", "land", "pays", "countryofpostaladdress", "countryofaddress", "mailingcountry"),
    "stage": ("lifecyclestage", "stage", "leadstage", "funnelstage"),
    "lead_status": ("leadstatus", "status", "hsleadstatus"),
    "owner": ("owner", "contactowner", "leadowner", "hubspotowner", "hubspotownerid", "ownerid", "ownername", "salesowner", "accountowner"),
    "created_at": ("createdate", "createddate", "created", "personcreated", "createdon", "createdat", "dateadded", "leadcreated"),
    "original_channel": ("originalsource", "source", "leadsource", "channel", "originalchannel", "hsanalyticssource"),
    "original_utm_source": ("utmsource", "originalsourcedrilldown1"),
    "original_utm_medium": ("utmmedium",),
    "original_utm_campaign": ("utmcampaign", "campaign", "originalsourcedrilldown2"),
    "company_name": ("companyname", "company", "organization", "organisation", "account", "accountname", "associatedcompany"),
    "company_domain": ("companydomainname", "companydomain", "domain", "website", "websiteurl", "companywebsite", "url"),
    "company_industry": ("industry", "companyindustry"),
    "company_employees": ("numberofemployees", "noofemployees", "employees", "numemployees", "employeecount", "companysize", "headcount"),
    "company_revenue": ("annualrevenue", "revenue", "companyrevenue", "annualrevenuecurrency"),
}  # fmt: skip
# Pipedrive's organization columns ("Organization - Name", "Organization - Address"…): the
# organization's own fields, then the company spellings above.
_ORGANIZATION_ALIASES = {"name": "company_name", "label": "", "address": ""}
_HEADER_TO_FIELD = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
_ENTITY_PREFIX = re.compile(r"^\s*(person|contact|lead|organi[sz]ation)\s+-\s+(.+)$", re.IGNORECASE)
_COMPANY_FIELDS = {name for name in FIELD_LABELS if name.startswith("company_")}
_COMPANY_VALUES = ("company_name", "company_industry", "company_size_band", "company_revenue_band")

# What a choice value may also become, besides one of its field's choices.
LEAVE_EMPTY = ""
SKIP_ROW = "__skip__"
SKIPPED_BY_CHOICE = "Skipped: rows with this value are set to be skipped."

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
    # HubSpot's catch-all: no stage, so a new lead enters as Lead.
    "other": LEAVE_EMPTY,
}
# HubSpot's "Original Source" values, as shown ("Organic Search") and as exported
# ("ORGANIC_SEARCH"); Salesforce's "Lead Source" picklist.
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
    "web": Channel.DIRECT,
    "phoneinquiry": Channel.OTHER,
    "partnerreferral": Channel.PARTNER,
    "purchasedlist": Channel.IMPORT,
    "employeereferral": Channel.REFERRAL,
    "externalreferral": Channel.REFERRAL,
    "wordofmouth": Channel.REFERRAL,
    "tradeshow": Channel.EVENT,
    "seminarinternal": Channel.EVENT,
    "seminarpartner": Channel.EVENT,
    "webinar": Channel.EVENT,
    "advertisement": Channel.OTHER,
    "publicrelations": Channel.OTHER,
    "coldcall": Channel.OUTBOUND,
}
# HubSpot's Lead Status (labels and internal names) and Salesforce's.
_LEAD_STATUS_ALIASES = {
    "open": LeadStatus.NEW,
    "opennotcontacted": LeadStatus.NEW,
    "attemptedtocontact": LeadStatus.ATTEMPTED,
    "contacted": LeadStatus.CONNECTED,
    "working": LeadStatus.IN_PROGRESS,
    "workingcontacted": LeadStatus.IN_PROGRESS,
    "closednotconverted": LeadStatus.UNQUALIFIED,
    "disqualified": LeadStatus.UNQUALIFIED,
    "closedconverted": LeadStatus.CONVERTED,
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
_EMAIL_INSIDE = re.compile(r"[^\s<>(),;]+@[^\s<>(),;]+")
_DOMAIN_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")  # fmt: skip
_NOT_LETTERS_OR_DIGITS = re.compile(r"[^a-z0-9]")
_NOT_WORD = re.compile(r"[\W_]+")

_MAX_LENGTHS = {
    "email": Lead._meta.get_field("email").max_length,
    **{name: Lead._meta.get_field(name).max_length for name in LEAD_TEXT_FIELDS},
    "company_name": Company._meta.get_field("name").max_length,
    "company_domain": Company._meta.get_field("domain").max_length,
    "company_industry": Company._meta.get_field("industry").max_length,
}
# Fields kept as typed, within their column's length.
_PLAIN_TEXT = frozenset({*LEAD_TEXT_FIELDS, "company_name", "company_industry", "full_name"})


def _key(text: str) -> str:
    return _NOT_LETTERS_OR_DIGITS.sub("", text.lower())


def value_key(text: str) -> str:
    """The key of a choice value: its letters and digits, in any script, without case, so
    "Marketing Qualified Lead" and "marketingqualifiedlead" are one value and 王 stays 王."""
    return _NOT_WORD.sub("", text.casefold())


def _lookup(choices, aliases: dict[str, str]) -> dict[str, str]:
    table = {}
    for value, label in choices:
        table[_key(value)] = value
        table[_key(label)] = value
    return {**table, **{alias: str(value) for alias, value in aliases.items()}}


STAGES = _lookup(Stage.choices, _STAGE_ALIASES)
CHANNELS = _lookup(Channel.choices, _CHANNEL_ALIASES)
LEAD_STATUSES = _lookup(LeadStatus.choices, _LEAD_STATUS_ALIASES)
SENIORITIES = _lookup(Seniority.choices, {"clevel": Seniority.C_LEVEL, "csuite": Seniority.C_LEVEL})
DEPARTMENTS = _lookup(Department.choices, {"humanresources": Department.HR})
COUNTRIES = {
    **{_key(name): code for code, name in countries},
    **{code.lower(): code for code, _ in countries},
    **{countries.alpha3(code).lower(): code for code, _ in countries},
    **_COUNTRY_ALIASES,
}


def _header_field(header: str) -> str:
    """The field a header names, or "" for a column to ignore."""
    if match := _ENTITY_PREFIX.match(header):
        entity, rest = match.group(1).lower(), _key(match.group(2))
        if entity.startswith("organi"):
            if rest in _ORGANIZATION_ALIASES:
                return _ORGANIZATION_ALIASES[rest]
            name = _HEADER_TO_FIELD.get(rest, "")
            return name if name in _COMPANY_FIELDS else ""
        return _HEADER_TO_FIELD.get(rest, "")
    return _HEADER_TO_FIELD.get(_key(header), "")


def guess_mapping(headers: list[str]) -> list[str]:
    """The field each column holds, "" for a column to ignore; the first column wins a field."""
    taken: set[str] = set()
    mapping = []
    for header in headers:
        name = _header_field(header)
        if name in taken:
            name = ""
        taken.add(name)
        mapping.append(name)
    return mapping


# --- choice columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """An active user of the sales roles, whom an owner column may name."""

    id: int
    name: str
    email: str
    username: str


class Owners:
    """The users an owner column is matched against: by e-mail (also inside "Sam Seller
    (sam@acme.com)"), else by full name or username, ignoring case and punctuation."""

    def __init__(self, owners: list[Owner]) -> None:
        self.owners = owners
        self.by_email = {owner.email.lower(): owner.id for owner in owners if owner.email}
        self.by_name: dict[str, int] = {}
        for owner in owners:
            for name in (owner.username, owner.name):
                if value_key(name):
                    self.by_name.setdefault(value_key(name), owner.id)
        self.ids = {str(owner.id) for owner in owners}

    def recognise(self, raw: str) -> str | None:
        for address in _EMAIL_INSIDE.findall(raw):
            if address.lower() in self.by_email:
                return str(self.by_email[address.lower()])
        owner = self.by_name.get(value_key(_EMAIL_INSIDE.sub("", raw)) or value_key(raw))
        return None if owner is None else str(owner)


@dataclass(frozen=True)
class ChoiceField:
    """A column whose values are each mapped to one of ``choices``, left empty or skipped."""

    name: str
    choices: list[tuple[str, str]]
    recognise: Callable[[str], str | None]
    # The problem of a value neither recognised nor mapped, or "" to leave it empty.
    unknown: str
    # What leaving a value empty means, in words.
    empty_label: str

    def target(self, raw: str, values: dict[str, str]) -> tuple[str, bool]:
        """(what ``raw`` becomes, whether it was recognised), with the user's mapping first."""
        recognised = self.recognise(raw)
        chosen = values.get(value_key(raw))
        if chosen is not None and (chosen in (LEAVE_EMPTY, SKIP_ROW) or self._valid(chosen)):
            return chosen, recognised is not None
        if recognised is not None:
            return recognised, True
        return (SKIP_ROW if self.unknown else LEAVE_EMPTY), False

    def _valid(self, value: str) -> bool:
        return any(value == choice for choice, _ in self.choices)


def _recogniser(table: dict[str, str]) -> Callable[[str], str | None]:
    return lambda raw: table.get(_key(raw))


def _by_title(table: dict[str, str], guess: Callable[[str], str]) -> Callable[[str], str | None]:
    def recognise(raw: str) -> str | None:
        return table.get(_key(raw)) or guess(raw) or None

    return recognise


def choice_fields(owners: Owners) -> dict[str, ChoiceField]:
    """The choice columns, with the sales users an owner column may name."""
    return {
        "stage": ChoiceField(
            "stage", list(Stage.choices), _recogniser(STAGES),
            "Not a lifecycle stage; choose what it becomes on the import page.",
            "No stage (a new lead enters as Lead)",
        ),
        "original_channel": ChoiceField(
            "original_channel", list(Channel.choices), _recogniser(CHANNELS),
            "Not a known source; choose what it becomes on the import page.", "No source",
        ),
        "country": ChoiceField(
            "country", list(countries), _recogniser(COUNTRIES),
            "Not a country name or ISO code.", "No country",
        ),
        "lead_status": ChoiceField(
            "lead_status", list(LeadStatus.choices), _recogniser(LEAD_STATUSES), "",
            "No lead status",
        ),
        "owner": ChoiceField(
            "owner", [(str(owner.id), owner.name or owner.username) for owner in owners.owners],
            owners.recognise, "", "Unassigned",
        ),
        "seniority": ChoiceField(
            "seniority", list(Seniority.choices), _by_title(SENIORITIES, title_seniority), "",
            "From the job title",
        ),
        "department": ChoiceField(
            "department", list(Department.choices), _by_title(DEPARTMENTS, title_department),
            "", "From the job title",
        ),
    }  # fmt: skip


# --- the options of an import ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOptions:
    """How a job reads its file: the column mapping, the value mapping, whether the file's
    stages are kept, and whether slashed dates are day first."""

    mapping: list[str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    keep_stages: bool = True
    day_first: bool = False

    @classmethod
    def of(cls, job) -> ImportOptions:
        return cls(
            mapping=list(job.mapping),
            values=dict(job.value_mapping),
            keep_stages=job.stages == job.Stages.KEEP,
            day_first=job.day_first,
        )


# --- rows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    message: str


@dataclass
class CheckedRow:
    """One data row: its clean values (field → value) or its problems.

    Text fields hold text; ``created_at`` a datetime, ``owner`` a user id (None: unassigned),
    ``company_employees`` an integer (None for a range) beside ``company_size_band``, and
    ``company_revenue_band`` the band of the annual revenue. ``seniority_guess`` and
    ``department_guess`` are read from the job title and only fill what is empty;
    ``seniority`` and ``department`` come from the file's columns."""

    number: int
    values: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems


class RowChecker:
    """Checks rows against an import's options: ``checker.check(number, cells)``."""

    def __init__(self, headers: list[str], options: ImportOptions, owners: Owners) -> None:
        self.options = options
        mapping = options.mapping
        self.columns = [
            (index, name, headers[index] or f"Column {index + 1}")
            for index, name in enumerate(mapping)
            if name and not (name == "stage" and not options.keep_stages)
        ]
        self.fields = [name for _, name, _ in self.columns]
        self.email_header = next(
            (header for _, name, header in self.columns if name == "email"), "E-mail"
        )
        self.choices = choice_fields(owners)
        # A create date later than this is a mistake in the file.
        self.latest = timezone.now() + timedelta(days=1)
        self.zone = timezone.get_current_timezone()
        # Choice and number cells repeat: each distinct one is judged once.
        self._judged: dict[tuple[str, str], tuple[object, str]] = {}
        repeated = {*self.choices, "company_employees", "company_revenue"}
        # How each column is read (a preview reads every cell of the file): text as typed
        # (with a length limit), a repeated value judged once, or a cleaning of its own.
        self._plan = [
            (index, name, header, _MAX_LENGTHS.get(name, 1_000) if name in _PLAIN_TEXT else None,
             name in repeated)
            for index, name, header in self.columns
        ]  # fmt: skip

    def check(self, number: int, cells: list[str]) -> CheckedRow:
        row = CheckedRow(number=number)
        values = row.values
        width = len(cells)
        for index, name, header, text_limit, repeated in self._plan:
            raw = cells[index].strip() if index < width else ""
            if not raw:
                continue
            if text_limit is not None:
                if len(raw) <= text_limit:
                    values[name] = raw
                    continue
                value, message = raw, f"Longer than {text_limit} characters."
            elif repeated:
                judged = self._judged.get((name, raw))
                if judged is None:
                    judged = self._judged[name, raw] = self._clean(name, raw)
                value, message = judged
            else:
                value, message = self._clean(name, raw)
            if message:
                row.problems.append(Problem(number, header, raw, message))
            elif name == "company_employees":
                values["company_employees"], values["company_size_band"] = value
            elif name == "company_revenue":
                values["company_revenue_band"] = value
            else:
                values[name] = value
        if not values.get("email") and not any(p.column == self.email_header for p in row.problems):
            row.problems.append(
                Problem(number, self.email_header, "", "The e-mail address is missing.")
            )
        if row.problems:
            return row
        self._complete(values)
        return row

    def _complete(self, values: dict[str, object]) -> None:
        """Fill what the row's other cells imply: names from a full name, the company's domain
        from a work address, seniority and department from the job title."""
        if full_name := values.pop("full_name", ""):
            first, _, last = str(full_name).partition(" ")
            if not values.get("first_name") and not values.get("last_name"):
                values["first_name"], values["last_name"] = first, last.strip()
        if not values.get("company_domain") and any(values.get(name) for name in _COMPANY_VALUES):
            # The company a work address names, when the row says something about it.
            domain = str(values["email"]).rpartition("@")[2]
            if domain not in FREE_MAIL_DOMAINS:
                values["company_domain"] = domain
        if title := values.get("job_title"):
            values["seniority_guess"] = title_seniority(str(title))
            values["department_guess"] = title_department(str(title))

    def _clean(self, name: str, raw: str) -> tuple[object, str]:
        """(clean value, "") or (raw value, the problem)."""
        limit = _MAX_LENGTHS.get(name)
        if limit and len(raw) > limit:
            return raw, f"Longer than {limit} characters."
        if name in self.choices:
            return self._choice(name, raw)
        if name == "email":
            email = Lead.normalize_email(raw)
            if "@" in email and re.search(r"[,;\s]", email):
                # Several addresses in one cell (Pipedrive's "Person - Email"): the first.
                email = re.split(r"[,;\s]+", email)[0]
            if not _EMAIL_PATTERN.match(email):
                return raw, "Not a valid e-mail address."
            return email, ""
        if name == "company_domain":
            domain = normalize_domain(raw)
            if not _DOMAIN_PATTERN.match(domain):
                return raw, "Not a domain name (such as acme.com)."
            return domain, ""
        try:
            if name == "created_at":
                return parse_datetime(
                    raw, day_first=self.options.day_first, latest=self.latest, zone=self.zone
                ), ""
            if name == "company_employees":
                return parse_employees(raw), ""
            if name == "company_revenue":
                return parse_revenue_band(raw), ""
        except ValueError as error:
            return raw, str(error)
        return raw, ""

    def _choice(self, name: str, raw: str) -> tuple[object, str]:
        choice = self.choices[name]
        target, recognised = choice.target(raw, self.options.values.get(name, {}))
        if target == SKIP_ROW:
            return raw, choice.unknown if choice.unknown and not recognised else SKIPPED_BY_CHOICE
        if name == "owner":
            return (int(target) if target else None), ""
        return target, ""


def created_at_of(values: dict[str, object]) -> datetime | None:
    value = values.get("created_at")
    return value if isinstance(value, datetime) else None
