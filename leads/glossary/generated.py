"""The words of the generated glossary entries, from the definitions in force: what an MQL and
an SQL are (the active qualification criteria) and the temperature and grade bands (the active
scoring model). Nothing here is stored: the entries are generated each time they are read, so
they say what the system does.

Two reads feed these functions: the glossary page reads the versions themselves (with the MQL
criteria's conditions, for the full definition); the labels that ``{% term %}`` links read only
a few columns of them, in the same query as the terms (``leads.glossary.selectors``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse

from leads.glossary.models import Generated
from leads.scoring.explain.guide import bands
from leads.scoring.qualification.criteria import NO_DEFINITION

NO_MODEL = "No scoring model is active, so no lead has a temperature or a grade yet."


@dataclass(frozen=True)
class ModelInForce:
    """The active scoring model, as far as the glossary needs it."""

    pk: int
    version: int
    name: str = ""
    activated_at: datetime.datetime | None = None
    hot: int = 0
    warm: int = 0
    fit: tuple[int, int, int] = (0, 0, 0)
    engagement: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True)
class CriteriaInForce:
    """The active MQL or SQL criteria; ``definition`` (the full one, in words) only when the
    page read them."""

    pk: int
    kind: str
    version: int
    name: str
    activated_at: datetime.datetime | None = None
    definition: str = ""
    notes: str = ""

    @property
    def version_name(self) -> str:
        return f"{self.kind.upper()} v{self.version}"


@dataclass(frozen=True)
class InForce:
    """The definitions in force; None where nothing of that kind is active."""

    model: ModelInForce | None
    mql: CriteriaInForce | None
    sql: CriteriaInForce | None


@dataclass(frozen=True)
class Source:
    """Where a generated entry comes from: ``what`` (the MQL criteria “Standard MQL”), its
    version and since when it is in force; ``url`` is where every role reads it, ``admin_url``
    where the admin changes it."""

    what: str
    version: int
    since: datetime.datetime | None
    url: str
    admin_url: str


@dataclass(frozen=True)
class GeneratedText:
    short: str
    definition: str
    source: Source | None  # None: nothing of its kind is in force


TEMPERATURE_MEANING = {
    Generated.HOT: "the most ready to buy: sales works hot leads first",
    Generated.WARM: "interested but not yet ready to buy: marketing keeps nurturing it and "
    "sales watches it",
    Generated.COLD: "little fit or little recent engagement so far: marketing nurtures it, "
    "sales does not chase it yet",
}


def _temperature_bands(model: ModelInForce) -> dict[str, str]:
    """``{"hot": "60 or more", "warm": "30 to 59", "cold": "below 30"}``."""
    found = bands([("hot", model.hot), ("warm", model.warm)], "cold")
    return {band.name: band.scores for band in found}


def _criteria_short(kind: str, criteria: CriteriaInForce | None) -> str:
    if criteria is None:
        return NO_DEFINITION[kind]
    named = f"{criteria.version_name} “{criteria.name}”"
    if kind == Generated.MQL:
        return f"A lead that met the MQL criteria in force ({named})."
    return f"A lead a rep qualified against the SQL criteria in force ({named})."


def short_texts(in_force: InForce) -> dict[str, str]:
    """Each generated entry's one sentence, by its source (``Generated``)."""
    texts = {
        Generated.MQL: _criteria_short(Generated.MQL, in_force.mql),
        Generated.SQL: _criteria_short(Generated.SQL, in_force.sql),
    }
    model = in_force.model
    if model is None:
        texts |= {kind: NO_MODEL for kind in (*TEMPERATURE_MEANING, Generated.GRADE)}
        return texts
    scores = _temperature_bands(model)
    for kind in TEMPERATURE_MEANING:
        texts[kind] = f"Total score {scores[kind]} under scoring model v{model.version}."
    texts[Generated.GRADE] = (
        f"A fit letter (A–D) and an engagement digit (1–4) under scoring model "
        f"v{model.version}: A1 is the best fit and the most engaged."
    )
    return texts


def _model_source(model: ModelInForce) -> Source:
    return Source(
        what=f"scoring model “{model.name}”",
        version=model.version,
        since=model.activated_at,
        url=f"{reverse('scoring:how')}#temperature",
        admin_url=reverse("scoring:draft", args=[model.pk]),
    )


def _criteria_source(criteria: CriteriaInForce) -> Source:
    return Source(
        what=f"{criteria.kind.upper()} criteria “{criteria.name}”",
        version=criteria.version,
        since=criteria.activated_at,
        url=f"{reverse('scoring:how')}#{criteria.kind}-criteria",
        admin_url=reverse("admin:leads_qualificationcriteria_change", args=[criteria.pk]),
    )


def generated_texts(in_force: InForce) -> dict[str, GeneratedText]:
    """Each generated entry in full, by its source: its sentence, its definition and where it
    comes from."""
    shorts = short_texts(in_force)
    texts: dict[str, GeneratedText] = {}
    for kind, criteria in ((Generated.MQL, in_force.mql), (Generated.SQL, in_force.sql)):
        if criteria is None:
            texts[kind] = GeneratedText(shorts[kind], NO_DEFINITION[kind], None)
        else:
            definition = criteria.definition
            if criteria.notes:
                definition = f"{definition} The criteria's notes: {criteria.notes}"
            texts[kind] = GeneratedText(shorts[kind], definition, _criteria_source(criteria))
    model = in_force.model
    if model is None:
        for kind in (*TEMPERATURE_MEANING, Generated.GRADE):
            texts[kind] = GeneratedText(NO_MODEL, NO_MODEL, None)
        return texts
    source = _model_source(model)
    scores = _temperature_bands(model)
    for kind, meaning in TEMPERATURE_MEANING.items():
        definition = (
            f"A lead is {kind} when its total score (fit + engagement) is {scores[kind]} under "
            f"the scoring model in force: {meaning}."
        )
        texts[kind] = GeneratedText(shorts[kind], definition, source)
    fit = bands(list(zip("ABC", model.fit, strict=True)), "D")
    engagement = bands(list(zip("123", model.engagement, strict=True)), "4")
    grade = (
        "A letter for fit: "
        + ", ".join(f"{band.name} for a fit score {band.scores}" for band in fit)
        + "; and a digit for engagement: "
        + ", ".join(f"{band.name} for an engagement score {band.scores}" for band in engagement)
        + ". A1 is the best fit and the most engaged; D4 the least of both."
    )
    texts[Generated.GRADE] = GeneratedText(shorts[Generated.GRADE], grade, source)
    return texts
