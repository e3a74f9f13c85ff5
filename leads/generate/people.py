"""People and companies: names, job titles and firmographics."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from leads.generate.common import _plain, _slug
from leads.models import Department, RevenueBand, Seniority, SizeBand

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
