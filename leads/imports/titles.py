"""Seniority and department read from a job title, for files that have no such columns.

The scoring model's fit rules score seniority and department; CRM exports carry a job title
instead. Each table below is read from the top and the first line with a keyword found in the
lower-cased title wins, so the order settles overlaps: "Vice President" is a VP before
"President" makes it C-level, "Teamleiter" is a manager before "Leiter" makes it a director,
"Managing Director" is C-level before "Director". Keywords are regular expressions; most are
whole words (``\\b``), while German compounds are matched inside words ("Vertriebsleiter" holds
"vertrieb" and "leiter"), and Chinese titles by their characters. A title that matches nothing
gives no value: the lead is not guessed into a rank. The README lists the same tables.
"""

from __future__ import annotations

import re
from functools import lru_cache

from leads.models import Department, Seniority

SENIORITY_BY_TITLE: tuple[tuple[Seniority, tuple[str, ...]], ...] = (
    (Seniority.ENTRY, (
        r"\bintern(ship)?\b", r"\btrainee\b", r"\bapprentice\b", r"\bjunior\b", r"\bjr\b",
        r"\bpraktikant", r"\bwerkstudent", r"\bauszubildend", r"\bstagiaire\b", r"\bbecari[oa]\b",
        r"实习",
    )),
    # Scrum's product owner owns a backlog, not the company.
    (Seniority.SENIOR, (r"\bproduct owner\b",)),
    (Seniority.VP, (
        r"\bvice[ -]?president", r"\b[sea]?vp\b", r"\bvizepräsident", r"副总裁",
    )),
    (Seniority.C_LEVEL, (
        r"\bchief\b", r"\bc[efimotrsdph]o\b", r"\bchro\b", r"\bpresident[ea]?\b", r"\bpräsident",
        r"\bmanaging director\b", r"\bgeschäftsführ", r"\bgeschaeftsfuehr",
        r"\bdirect(eur|rice) général", r"\bdirector[a]? general\b", r"\bpdg\b",
        r"\bamministratore delegato\b", r"首席", r"总裁", r"总经理",
    )),
    (Seniority.OWNER, (
        r"\bco-?founder\b", r"\bfounder\b", r"\bowner\b", r"\bproprietor\b", r"\bgründer",
        r"\bgruender", r"\binhaber", r"\bfondat(eur|rice)\b", r"\bfundador[a]?\b",
        r"\bpropriétaire\b", r"创始人",
    )),
    (Seniority.MANAGER, (
        r"\bteam ?lead(er)?\b", r"teamleit", r"gruppenleit", r"\bchef d'équipe\b",
    )),
    (Seniority.DIRECTOR, (
        r"\bhead\b", r"\bdirector[a]?\b", r"\bdirect(eur|rice)\b", r"\bdirektor", r"\bdiret(or|ora)\b",
        r"\bdirettore\b", r"leiter", r"leitung", r"总监",
    )),
    (Seniority.MANAGER, (
        r"\bmanager\b", r"\bmgr\b", r"\bsupervisor\b", r"\bresponsable\b", r"\bresponsabile\b",
        r"\bgerente\b", r"\bjef[ea]\b", r"\bchef de\b", r"经理", r"主管",
    )),
    (Seniority.SENIOR, (
        r"\bsenior\b", r"\bsr\b", r"\bprincipal\b", r"\bstaff\b", r"\blead\b", r"\bexpert\b",
        r"\bspecialist\b", r"\bspezialist",
    )),
    (Seniority.ENTRY, (r"\bassistant\b", r"\bassistent", r"\bcoordinator\b", r"助理")),
)  # fmt: skip

DEPARTMENT_BY_TITLE: tuple[tuple[Department, tuple[str, ...]], ...] = (
    (Department.MARKETING, (
        r"marketing", r"\bcmo\b", r"\bgrowth\b", r"\bbrand", r"\bdemand gen", r"\bcontent\b",
        r"\bseo\b", r"\bcommunications?\b", r"kommunikation", r"\bmercadotecnia\b", r"市场",
        r"营销",
    )),
    (Department.SALES, (
        r"\bsales\b", r"\bcro\b", r"\brevenue\b", r"\baccount (executive|manager|director)",
        r"\bkey account", r"\bbusiness development\b", r"\b[bs]dr\b", r"vertrieb", r"\bverkauf",
        r"\bcommercial[e]?\b", r"\bvent(e|es|as|a)\b", r"\bvendite\b", r"销售",
    )),
    (Department.FINANCE, (
        r"financ", r"\bcfo\b", r"\bcontroll(er|ing)\b", r"\baccount(ing|ant)\b", r"\btreasur",
        r"finanz", r"\bcomptab", r"buchhalt", r"\bcontabil", r"财务",
    )),
    (Department.HR, (
        r"\bhr\b", r"\bhuman resources\b", r"\bpeople\b", r"\btalent\b", r"\brecruit", r"\bchro\b",
        r"\bpersonal(leit|chef|abteilung|wesen|referent)", r"\bressources humaines\b",
        r"\brecursos humanos\b", r"\brrhh\b", r"人力", r"人事",
    )),
    (Department.IT, (
        r"\bit\b", r"\bcio\b", r"\binformation (technology|systems)\b", r"\bsysadmin\b",
        r"\bsystem administrator\b", r"\binfrastructure\b", r"\bhelpdesk\b", r"\binformatique\b",
        r"\binformática\b", r"\bedv\b", r"信息",
    )),
    (Department.ENGINEERING, (
        r"engineer", r"\bcto\b", r"\bdevelop", r"\bsoftware\b", r"\bdevops\b", r"\barchitect",
        r"\br&d\b", r"\bingénieur", r"\bingenieur", r"\bingeniero", r"entwickl", r"\btechnik",
        r"工程师", r"研发",
    )),
    (Department.OPERATIONS, (
        r"\boperations?\b", r"\bopérations\b", r"\boperaciones\b", r"\bcoo\b", r"\bops\b",
        r"\blogisti", r"\bsupply chain\b", r"\bprocurement\b", r"\bpurchasing\b", r"\beinkauf",
        r"运营",
    )),
    (Department.EXECUTIVE, (
        r"\bceo\b", r"\bchief executive\b", r"\bco-?founder\b", r"\bfounder\b",
        r"(?<!product )\bowner\b",
        r"\bpresident[ea]?\b", r"\bmanaging director\b", r"\bgeneral manager\b",
        r"\bgeschäftsführ", r"\bpdg\b", r"\bdirect(eur|rice) général", r"\binhaber", r"\bgründer",
        r"总裁", r"首席执行官", r"总经理", r"创始人",
    )),
)  # fmt: skip


def _compiled(table) -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((value, re.compile("|".join(patterns))) for value, patterns in table)


_SENIORITY = _compiled(SENIORITY_BY_TITLE)
_DEPARTMENT = _compiled(DEPARTMENT_BY_TITLE)


def _first_match(table: tuple[tuple[str, re.Pattern], ...], title: str) -> str:
    text = " ".join(title.lower().split())
    return next((str(value) for value, pattern in table if pattern.search(text)), "")


# Exports repeat a few hundred titles thousands of times.
@lru_cache(maxsize=8192)
def title_seniority(title: str) -> str:
    """The seniority a job title names ("" if none of the keywords is in it)."""
    return _first_match(_SENIORITY, title)


@lru_cache(maxsize=8192)
def title_department(title: str) -> str:
    """The department a job title names ("" if none of the keywords is in it)."""
    return _first_match(_DEPARTMENT, title)
