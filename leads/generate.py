"""Believable synthetic leads, shared by the demo loader (``leads.demo``) and the bulk
generator (``manage.py generate_data``).

Everything here is pure and seeded: given a ``random.Random`` it returns plain values (names,
companies, a lead's walk through the funnel with its dates and scores, its events), and the
callers decide how to write them (``bulk_create`` on SQLite, COPY on PostgreSQL). Times are
whole minutes before a fixed "now", so both writers agree and the bulk path can format them
from a table instead of one ``datetime`` per row.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from leads.models import (
    Campaign,
    Channel,
    Department,
    RevenueBand,
    Seniority,
    SizeBand,
    Stage,
    Temperature,
    TouchKind,
    TouchOutcome,
)


def _plain(value):
    """Enum members as their plain string values: lookups by ``str`` keys are then exact and
    fast (an enum member hashes in Python code)."""
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, str):
        return str.__str__(value) if not hasattr(value, "value") else str(value.value)
    return value


def _picker(options, weights):
    """A fast weighted choice: ``pick(random_value)`` with a uniform draw in [0, 1)."""
    options = _plain(tuple(options))
    cumulative = list(accumulate(weights))
    total = cumulative[-1]
    return lambda draw: options[bisect.bisect(cumulative, draw * total)]


HISTORY_DAYS = 180
MINUTES_PER_DAY = 24 * 60
HISTORY_MINUTES = HISTORY_DAYS * MINUTES_PER_DAY

# --- people and companies ----------------------------------------------------------------------

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Noah", "Olivia", "Pablo", "Quinn", "Rosa", "Samir", "Tara", "Umar",
    "Valeria", "Wei", "Ximena", "Yusuf", "Zoe", "Amelia", "Bruno", "Chloe", "Diego", "Emma",
    "Felix", "Greta", "Henrik", "Isla", "Jack", "Keiko", "Lucas", "Mila", "Nora", "Oscar",
    "Priya", "Rafael", "Sofia", "Tom", "Ursula", "Victor", "Willa", "Yara", "Zara", "Aiden",
    "Beatriz", "Conor", "Daria", "Ethan", "Fatima", "Gabriel", "Hannah", "Ivan", "Julia",
)  # fmt: skip
LAST_NAMES = (
    "Schmidt", "Garcia", "Johnson", "Müller", "Rossi", "Dubois", "Kowalski", "Nguyen",
    "Andersen", "Silva", "Patel", "O'Brien", "Tanaka", "Kim", "Novak", "Horvat", "Jansen",
    "Lindqvist", "Moreau", "Fischer", "Costa", "Murphy", "Walsh", "Okafor", "Mensah", "Cohen",
    "Ivanova", "Popescu", "Weber", "Becker", "Lopez", "Martin", "Bernard", "Eriksson",
    "Nielsen", "Virtanen", "Byrne", "Clarke", "Hughes", "Bauer", "Wagner", "Hoffmann",
    "Romano", "Greco", "Santos", "Pereira", "Fernandes", "Sato", "Chen", "Wang", "Singh",
    "Khan", "Ali", "Haddad", "Levi", "Brown", "Taylor", "Wilson", "Evans", "Thomas",
)  # fmt: skip
COMPANY_STEMS = (
    "North", "Blue", "Bright", "Clear", "Silver", "Red", "Green", "Iron", "Summit", "Harbor",
    "Pioneer", "Atlas", "Nova", "Vertex", "Cedar", "Oak", "River", "Stone", "Falcon", "Orbit",
    "Quantum", "Lumen", "Apex", "Crest", "Delta", "Echo", "Fjord", "Granite", "Horizon",
    "Juniper", "Keystone", "Lake", "Maple", "Nimbus", "Onyx", "Polar", "Redwood", "Sierra",
    "Tidal", "Union", "Vista", "Willow", "Zenith", "Beacon", "Copper", "Drift", "Ember",
    "Frontier", "Glacier", "Helix",
)  # fmt: skip
COMPANY_SECOND = (
    "wave", "point", "field", "bridge", "path", "line", "works", "gate", "light", "stream",
    "forge", "peak", "shore", "wind", "leaf", "rock", "star", "well", "ridge", "view",
)  # fmt: skip
INDUSTRY_SUFFIXES = {
    "Software": ("Software", "Labs", "Systems", "Cloud"),
    "Financial services": ("Capital", "Finance", "Partners", "Bank"),
    "Healthcare": ("Health", "Medical", "Care", "Clinics"),
    "Manufacturing": ("Industries", "Manufacturing", "Engineering", "Components"),
    "Retail": ("Retail", "Stores", "Brands", "Market"),
    "Logistics": ("Logistics", "Freight", "Shipping", "Transport"),
    "Education": ("Learning", "Academy", "Education", "Institute"),
    "Professional services": ("Consulting", "Advisory", "Group", "Associates"),
    "Media": ("Media", "Studios", "Publishing", "Digital"),
    "Energy": ("Energy", "Power", "Renewables", "Utilities"),
}
# The ideal customer profile of the demo: software, financial services and professional services.
ICP_INDUSTRIES = frozenset({"Software", "Financial services", "Professional services"})
INDUSTRIES = tuple(INDUSTRY_SUFFIXES)
INDUSTRY_WEIGHTS = (24, 12, 9, 11, 8, 7, 6, 12, 6, 5)
COUNTRIES = ("US", "GB", "DE", "FR", "NL", "ES", "IT", "SE", "DK", "IE", "CA", "AU", "PL", "CH")
COUNTRY_WEIGHTS = (30, 14, 12, 7, 6, 5, 4, 4, 3, 3, 5, 3, 2, 2)
TOP_LEVEL_DOMAIN = {"US": "com", "GB": "co.uk", "DE": "de", "FR": "fr", "NL": "nl", "ES": "es"}
EMPLOYEE_RANGES = ((2, 10), (11, 50), (51, 200), (201, 1000), (1001, 5000), (5001, 60000))
EMPLOYEE_WEIGHTS = (18, 27, 25, 17, 9, 4)
REVENUE_FOR_SIZE = (
    RevenueBand.UNDER_1M,
    RevenueBand.FROM_1M,
    RevenueBand.FROM_10M,
    RevenueBand.FROM_50M,
    RevenueBand.FROM_250M,
    RevenueBand.OVER_1B,
)

DEPARTMENT_NAMES = _plain(
    {
        Department.MARKETING: "Marketing",
        Department.SALES: "Sales",
        Department.IT: "IT",
        Department.ENGINEERING: "Engineering",
        Department.FINANCE: "Finance",
        Department.OPERATIONS: "Operations",
        Department.HR: "People",
    }
)
CHIEF_TITLES = _plain(
    {
        Department.MARKETING: "Chief Marketing Officer",
        Department.SALES: "Chief Revenue Officer",
        Department.IT: "Chief Information Officer",
        Department.ENGINEERING: "Chief Technology Officer",
        Department.FINANCE: "Chief Financial Officer",
        Department.OPERATIONS: "Chief Operating Officer",
        Department.HR: "Chief People Officer",
    }
)
DEPARTMENTS = tuple(DEPARTMENT_NAMES)
DEPARTMENT_SET_SELLING = frozenset({str(Department.MARKETING.value), str(Department.SALES.value)})
DEPARTMENT_WEIGHTS = (30, 18, 14, 10, 10, 12, 6)
SENIORITIES = _plain(
    (
        Seniority.ENTRY,
        Seniority.SENIOR,
        Seniority.MANAGER,
        Seniority.DIRECTOR,
        Seniority.VP,
        Seniority.C_LEVEL,
        Seniority.OWNER,
    )
)
SENIORITY_WEIGHTS = (14, 22, 28, 17, 9, 6, 4)
SENIORITY_FIT = _plain(
    {
        Seniority.ENTRY: 2,
        Seniority.SENIOR: 6,
        Seniority.MANAGER: 11,
        Seniority.DIRECTOR: 16,
        Seniority.VP: 18,
        Seniority.C_LEVEL: 20,
        Seniority.OWNER: 17,
    }
)
SIZE_FIT = (2, 8, 14, 15, 12, 9)  # per EMPLOYEE_RANGES; mid-market fits best


def job_title(seniority: str, department: str) -> str:
    name = DEPARTMENT_NAMES[department]
    return _plain(
        {
            Seniority.ENTRY: f"{name} Coordinator",
            Seniority.SENIOR: f"Senior {name} Specialist",
            Seniority.MANAGER: f"{name} Manager",
            Seniority.DIRECTOR: f"Director of {name}",
            Seniority.VP: f"VP {name}",
            Seniority.C_LEVEL: CHIEF_TITLES[department],
            Seniority.OWNER: "Founder & CEO",
        }
    )[seniority]


JOB_TITLES = {
    (seniority, department): job_title(seniority, department)
    for seniority in SENIORITIES
    for department in DEPARTMENTS
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class CompanySpec:
    name: str
    domain: str
    industry: str
    employee_count: int
    size_band: str
    annual_revenue_band: str
    country: str
    size_index: int  # into EMPLOYEE_RANGES, for the fit score of its people


def companies(rng: random.Random, count: int, *, taken_domains: frozenset = frozenset()):
    """``count`` companies with distinct names and domains (none of ``taken_domains``)."""
    names = [f"{stem}{second}" for stem in COMPANY_STEMS for second in COMPANY_SECOND]
    rng.shuffle(names)
    seen: set[str] = set()
    produced = 0
    for round_number in itertools.count(1):
        for stem in names:
            if produced == count:
                return
            industry = rng.choices(INDUSTRIES, INDUSTRY_WEIGHTS)[0]
            suffix = rng.choice(INDUSTRY_SUFFIXES[industry])
            name = f"{stem} {suffix}" if round_number == 1 else f"{stem} {suffix} {round_number}"
            country = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
            domain = f"{_slug(name)}.{TOP_LEVEL_DOMAIN.get(country, 'com')}"
            if domain in seen or domain in taken_domains:
                continue
            seen.add(domain)
            size_index = rng.choices(range(len(EMPLOYEE_RANGES)), EMPLOYEE_WEIGHTS)[0]
            employees = rng.randint(*EMPLOYEE_RANGES[size_index])
            revenue = REVENUE_FOR_SIZE[
                min(len(REVENUE_FOR_SIZE) - 1, size_index + rng.randint(-1, 0))
            ]
            produced += 1
            yield CompanySpec(
                name=name,
                domain=domain,
                industry=industry,
                employee_count=employees,
                size_band=SizeBand.for_employees(employees),
                annual_revenue_band=revenue,
                country=country,
                size_index=size_index,
            )


# --- the funnel --------------------------------------------------------------------------------

STAGES = tuple(str(stage.value) for stage in Stage)
STAGE_INDEX = {stage: position for position, stage in enumerate(STAGES)}
# Where leads stand today: a wide top, a narrowing middle, a few customers and evangelists,
# and the side exits of a real pipeline.
STAGE_WEIGHTS = _plain(
    {
        Stage.SUBSCRIBER: 200,
        Stage.LEAD: 360,
        Stage.MQL: 90,
        Stage.SAL: 55,
        Stage.SQL: 38,
        Stage.OPPORTUNITY: 24,
        Stage.CUSTOMER: 16,
        Stage.EVANGELIST: 5,
        Stage.RECYCLED: 130,
        Stage.DISQUALIFIED: 85,
    }
)
SALES_STAGES = frozenset(
    _plain((Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.EVANGELIST))
)
FORWARD = _plain((Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER))
# Days between entering one stage and the next (low, high), by the stage entered.
GAP_DAYS = _plain(
    {
        Stage.LEAD: (1, 30),
        Stage.MQL: (2, 40),
        Stage.SAL: (0.05, 2),
        Stage.SQL: (3, 20),
        Stage.OPPORTUNITY: (5, 25),
        Stage.CUSTOMER: (10, 45),
        Stage.EVANGELIST: (20, 60),
        Stage.RECYCLED: (5, 30),
        Stage.DISQUALIFIED: (1, 20),
    }
)
MARKETING_RULES = _plain(
    {
        Stage.LEAD: "Became a lead: form submitted",
        Stage.MQL: "MQL criteria met",
    }
)
RECYCLE_REASONS = (
    "No budget this quarter",
    "Not the decision maker; nurture",
    "Timing: revisit next quarter",
    "Went quiet after two meetings",
)
DISQUALIFY_REASONS = (
    "Student, not a buyer",
    "Competitor",
    "Outside our territories",
    "Company too small for the product",
)
CHANNELS = _plain((
    Channel.ORGANIC_SEARCH, Channel.PAID_SEARCH, Channel.SOCIAL, Channel.PAID_SOCIAL,
    Channel.EMAIL, Channel.REFERRAL, Channel.DIRECT, Channel.EVENT, Channel.PARTNER,
    Channel.OUTBOUND, Channel.IMPORT,
))  # fmt: skip
CHANNEL_WEIGHTS = (22, 18, 8, 10, 12, 6, 8, 5, 4, 4, 3)
UTM = _plain(
    {
        Channel.ORGANIC_SEARCH: ("google", "organic"),
        Channel.PAID_SEARCH: ("google", "cpc"),
        Channel.SOCIAL: ("linkedin", "social"),
        Channel.PAID_SOCIAL: ("linkedin", "paid_social"),
        Channel.EMAIL: ("newsletter", "email"),
        Channel.REFERRAL: ("g2", "referral"),
        Channel.EVENT: ("saastr", "event"),
        Channel.PARTNER: ("partner", "referral"),
    }
)
ENGAGEMENT_RANGE = _plain(
    {
        Stage.SUBSCRIBER: (0, 14),
        Stage.LEAD: (4, 32),
        Stage.MQL: (24, 50),
        Stage.SAL: (26, 50),
        Stage.SQL: (28, 50),
        Stage.OPPORTUNITY: (28, 50),
        Stage.CUSTOMER: (16, 46),
        Stage.EVANGELIST: (26, 50),
        Stage.RECYCLED: (4, 26),
        Stage.DISQUALIFIED: (0, 18),
    }
)


def temperature_for(total: int) -> str:
    if total >= 70:
        return Temperature.HOT
    return Temperature.WARM if total >= 40 else Temperature.COLD


def grade_for(fit: int, engagement: int) -> str:
    """A–D by fit quartile band (of 0–50), 1–4 by engagement quartile band (of 0–50)."""
    letter = "A" if fit >= 38 else "B" if fit >= 25 else "C" if fit >= 13 else "D"
    digit = (
        "1" if engagement >= 38 else "2" if engagement >= 25 else "3" if engagement >= 13 else "4"
    )
    return letter + digit


def scores(fit: int, engagement: int) -> dict:
    total = fit + engagement
    return {
        "fit": fit,
        "engagement": engagement,
        "total": total,
        "temperature": temperature_for(total),
        "grade": grade_for(fit, engagement),
    }


SUBSCRIBER, LEAD, MQL, SAL, SQL, OPPORTUNITY, CUSTOMER, EVANGELIST, RECYCLED, DISQUALIFIED = STAGES
_recycled_from = _picker((LEAD, MQL, SAL, SQL), (15, 45, 30, 10))
_disqualified_from = _picker((LEAD, MQL, SAL), (50, 30, 20))


def funnel_path(rng: random.Random, stage: str) -> list[str]:
    """The stages a lead now in ``stage`` walked through, in order, ending at ``stage``."""
    start = [SUBSCRIBER, LEAD] if rng.random() < 0.35 else [LEAD]
    if stage == SUBSCRIBER:
        return [SUBSCRIBER]
    if stage in FORWARD:
        return start + list(FORWARD[1 : FORWARD.index(stage) + 1])
    if stage == EVANGELIST:
        return start + list(FORWARD[1:]) + [EVANGELIST]
    reached = (_recycled_from if stage == RECYCLED else _disqualified_from)(rng.random())
    return start + list(FORWARD[1 : FORWARD.index(reached) + 1]) + [stage]


@dataclass
class LeadStory:
    """One lead's attributes and history. Times are minutes before "now"."""

    first_name: str
    last_name: str
    seniority: str
    department: str
    job_title: str
    channel: str
    stage: str
    path: list[str]
    times: list[int]  # minutes ago, one per step of ``path``, decreasing
    fit: int
    engagement: int
    owned: bool
    sql_checklist: bool
    unsubscribed: bool

    @property
    def created(self) -> int:
        return self.times[0]

    @property
    def stage_changed(self) -> int:
        return self.times[-1]

    @property
    def reached_mql(self) -> int | None:
        """When it became an MQL, if it ever did."""
        return self.times[self.path.index(Stage.MQL)] if Stage.MQL in self.path else None

    @property
    def reached_sal(self) -> int | None:
        return self.times[self.path.index(SAL)] if SAL in self.path else None

    def snapshot(self, step: int) -> dict:
        """The scores recorded with the ``step``-th transition: engagement grows along the walk."""
        if step == 0:
            return scores(self.fit, 0)
        share = min(1.0, 0.4 + 0.6 * step / max(1, len(self.path) - 1))
        return scores(self.fit, round(self.engagement * share))


_stage = _picker(STAGE_WEIGHTS, STAGE_WEIGHTS.values())
_seniority = _picker(SENIORITIES, SENIORITY_WEIGHTS)
_department = _picker(DEPARTMENTS, DEPARTMENT_WEIGHTS)
_channel = _picker(CHANNELS, CHANNEL_WEIGHTS)
_SELLING_DEPARTMENTS = frozenset(_plain((Department.MARKETING, Department.SALES)))


def lead_story(rng: random.Random, *, size_index: int, industry: str) -> LeadStory:
    draw = rng.random
    stage = _stage(draw())
    path = funnel_path(rng, stage)
    seniority = _seniority(draw())
    department = _department(draw())
    fit = SENIORITY_FIT[seniority] + SIZE_FIT[size_index] + int(draw() * 7)
    fit += 10 if industry in ICP_INDUSTRIES else 2
    if department in _SELLING_DEPARTMENTS:
        fit += 4
    fit = min(50, fit)
    low, high = ENGAGEMENT_RANGE[stage]
    engagement = low + int(draw() * (high - low + 1))
    # A walk needs time: deeper stages were created earlier in the window.
    steps = len(path)
    earliest = max(60, min(HISTORY_MINUTES // 2, (steps - 1) * 6 * MINUTES_PER_DAY))
    created = earliest + int(draw() * (HISTORY_MINUTES - earliest))
    times = [created]
    if steps > 1:
        gaps = []
        for step in path[1:]:
            low_gap, high_gap = GAP_DAYS[step]
            gaps.append((low_gap + draw() * (high_gap - low_gap)) * MINUTES_PER_DAY)
        room = created * 0.97
        total_gap = sum(gaps)
        scale = room / total_gap if total_gap > room else 1.0
        for gap in gaps:
            times.append(max(0, int(times[-1] - gap * scale)))
    owned = (
        SAL in path
        or (stage == MQL and draw() < 0.6)
        or (stage in (RECYCLED, DISQUALIFIED) and MQL in path)
    )
    return LeadStory(
        first_name=FIRST_NAMES[int(draw() * len(FIRST_NAMES))],
        last_name=LAST_NAMES[int(draw() * len(LAST_NAMES))],
        seniority=seniority,
        department=department,
        job_title=JOB_TITLES[seniority, department],
        channel=_channel(draw()),
        stage=stage,
        path=path,
        times=times,
        fit=fit,
        engagement=engagement,
        owned=owned,
        sql_checklist=SQL in path,
        unsubscribed=stage == DISQUALIFIED and draw() < 0.2,
    )


_EMAIL_LOCAL: dict[tuple[str, str], str] = {}


def email_for(story: LeadStory, domain: str, serial: int) -> str:
    """A lower-case address, unique through ``serial``."""
    key = (story.first_name, story.last_name)
    local = _EMAIL_LOCAL.get(key)
    if local is None:
        local = _EMAIL_LOCAL[key] = _slug(f"{story.first_name}.{story.last_name}").replace("-", ".")
    return f"{local}.{serial}@{domain}"


def transition_reason(rng: random.Random, stage: str, step: int) -> str:
    if step == 0:
        return "Created"
    if stage == Stage.RECYCLED:
        return rng.choice(RECYCLE_REASONS)
    if stage == Stage.DISQUALIFIED:
        return rng.choice(DISQUALIFY_REASONS)
    return ""


# --- events ------------------------------------------------------------------------------------

EARLY_EVENTS = {
    "page_view": 36,
    "email_open": 24,
    "email_click": 9,
    "content_download": 9,
    "webinar_registered": 5,
    "webinar_attended": 3,
    "pricing_page_view": 4,
    "form_submit": 6,
    "email_bounce": 1,
}
QUALIFIED_EVENTS = {
    "page_view": 24,
    "pricing_page_view": 15,
    "email_open": 14,
    "email_click": 10,
    "content_download": 9,
    "webinar_attended": 6,
    "demo_request": 6,
    "trial_signup": 5,
    "meeting_booked": 9,
    "form_submit": 2,
}
# Events per lead by stage (low, high): MQLs and beyond engaged far more.
EVENT_COUNTS = _plain(
    {
        Stage.SUBSCRIBER: (1, 4),
        Stage.LEAD: (2, 8),
        Stage.MQL: (6, 16),
        Stage.SAL: (8, 18),
        Stage.SQL: (10, 22),
        Stage.OPPORTUNITY: (12, 28),
        Stage.CUSTOMER: (12, 30),
        Stage.EVANGELIST: (15, 35),
        Stage.RECYCLED: (3, 10),
        Stage.DISQUALIFIED: (1, 6),
    }
)
PAGES = ("/blog/lead-scoring-101", "/blog/sla-between-sales-and-marketing", "/features",
         "/customers", "/integrations", "/blog/mql-vs-sql", "/about")  # fmt: skip
ASSETS = ("The smarketing playbook (PDF)", "Lead scoring template", "Funnel benchmark report 2025")
WEBINARS = ("Aligning sales and marketing in 30 days", "Scoring leads both teams trust")
EMAILS = ("Your funnel benchmark is ready", "3 ways to shorten the MQL hand-off", "Webinar invite")


def event_properties(rng: random.Random, event_type: str) -> dict:
    if event_type == "page_view":
        return {"url": rng.choice(PAGES)}
    if event_type == "pricing_page_view":
        return {"url": "/pricing"}
    if event_type in ("email_open", "email_click", "email_bounce"):
        return {"subject": rng.choice(EMAILS)}
    if event_type == "content_download":
        return {"asset": rng.choice(ASSETS)}
    if event_type in ("webinar_registered", "webinar_attended"):
        return {"webinar": rng.choice(WEBINARS)}
    if event_type in ("form_submit", "demo_request", "trial_signup"):
        return {"form": {"demo_request": "Request a demo", "trial_signup": "Start a trial"}.get(
            event_type, "Newsletter sign-up")}  # fmt: skip
    return {}


@dataclass(frozen=True)
class EventSpec:
    type: str
    minutes_ago: int


def lead_events(rng: random.Random, story: LeadStory, count: int | None = None) -> list[EventSpec]:
    """A lead's behaviour: a sign-up when it was created, a demo request or pricing visit that
    tipped it into MQL, then activity weighted by how far it went."""
    if count is None:
        count = rng.randint(*EVENT_COUNTS[story.stage])
    if count <= 0:
        return []
    events = [EventSpec("form_submit", story.created)]
    mql = story.reached_mql
    if mql is not None and count > 1:
        trigger = rng.choice(("demo_request", "pricing_page_view", "demo_request"))
        events.append(EventSpec(trigger, mql + rng.randint(5, 2 * MINUTES_PER_DAY)))
    # Activity runs from creation until today, or until a side exit; once a lead is an MQL
    # it looks at pricing, books meetings and starts trials.
    end = story.stage_changed if story.stage in (Stage.RECYCLED, Stage.DISQUALIFIED) else 0
    for _ in range(count - len(events)):
        minutes_ago = rng.randint(end, max(end, story.created))
        qualified = mql is not None and minutes_ago <= mql
        types, cumulative = QUALIFIED_TABLE if qualified else EARLY_TABLE
        event_type = types[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
        events.append(EventSpec(event_type, minutes_ago))
    return events[:count]


def _table(weights: dict[str, int]) -> tuple[tuple[str, ...], list[int]]:
    return tuple(weights), list(accumulate(weights.values()))


EARLY_TABLE = _table(EARLY_EVENTS)
QUALIFIED_TABLE = _table(QUALIFIED_EVENTS)


# --- sales activity ----------------------------------------------------------------------------

TOUCH_KINDS = (TouchKind.CALL, TouchKind.EMAIL, TouchKind.MEETING, TouchKind.LINKEDIN)
TOUCH_KIND_WEIGHTS = (40, 35, 15, 10)
TOUCH_OUTCOMES = (
    TouchOutcome.CONNECTED,
    TouchOutcome.LEFT_VOICEMAIL,
    TouchOutcome.NO_ANSWER,
    TouchOutcome.REPLIED,
    TouchOutcome.MEETING_BOOKED,
)
TOUCH_OUTCOME_WEIGHTS = (25, 20, 25, 20, 10)
NOTES = (
    "Evaluating two vendors; wants a side-by-side on scoring.",
    "Budget owner is the CFO; loop her in for the next call.",
    "Asked for a security questionnaire.",
    "Happy with the pilot; champion is pushing internally.",
    "Prefers e-mail; no calls before 10:00.",
    "Renewal of their current tool is in Q3.",
)


def lead_touches(rng: random.Random, story: LeadStory) -> list[tuple[str, str, int]]:
    """(kind, outcome, minutes ago) of a rep's touches since the lead was accepted."""
    accepted = story.reached_sal
    if accepted is None:
        return []
    count = rng.randint(1, 4) + (1 if story.stage in SALES_STAGES else 0)
    return [
        (
            rng.choices(TOUCH_KINDS, TOUCH_KIND_WEIGHTS)[0],
            rng.choices(TOUCH_OUTCOMES, TOUCH_OUTCOME_WEIGHTS)[0],
            rng.randint(0, accepted),
        )
        for _ in range(count)
    ]


# --- campaigns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    channel: str
    starts_days_ago: int
    ends_days_ago: int
    budget: int


CAMPAIGNS = (
    CampaignSpec("Q1 lead scoring webinar series", Channel.EVENT, 170, 120, 18000),
    CampaignSpec("Search: CRM alignment keywords", Channel.PAID_SEARCH, 160, 0, 42000),
    CampaignSpec("LinkedIn: revenue leaders", Channel.PAID_SOCIAL, 140, 60, 25000),
    CampaignSpec("Funnel benchmark report 2025", Channel.EMAIL, 110, 30, 6000),
    CampaignSpec("SaaStr booth and meetings", Channel.EVENT, 75, 72, 30000),
    CampaignSpec("Partner referral programme", Channel.PARTNER, 90, 0, 12000),
)


def campaign_for(rng: random.Random, channel: str, campaigns: list) -> object | None:
    """The campaign (of ``campaigns``, parallel to ``CAMPAIGNS``) that brought a lead, if any."""
    matching = [
        campaign
        for spec, campaign in zip(CAMPAIGNS, campaigns, strict=True)
        if spec.channel == channel
    ]
    if matching and rng.random() < 0.7:
        return rng.choice(matching)
    if channel == Channel.EMAIL and rng.random() < 0.5:
        return campaigns[3]
    return None


def campaign_dates(spec: CampaignSpec, today: date) -> tuple[date, date | None]:
    ends = today - timedelta(days=spec.ends_days_ago) if spec.ends_days_ago else None
    return today - timedelta(days=spec.starts_days_ago), ends


def campaigns_ensure(today: date) -> list[Campaign]:
    """The generated campaigns, created when missing (shared by the demo and generate_data)."""
    campaigns = []
    for spec in CAMPAIGNS:
        starts_on, ends_on = campaign_dates(spec, today)
        campaign, _ = Campaign.objects.get_or_create(
            name=spec.name,
            defaults={
                "channel": spec.channel,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "budget": spec.budget,
            },
        )
        campaigns.append(campaign)
    return campaigns


def utm_for(channel: str, campaign_name: str = "") -> tuple[str, str, str]:
    source, medium = UTM.get(channel, ("", ""))
    return source, medium, _slug(campaign_name) if campaign_name else ""


def minutes_before(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)
