"""Reads of the glossary.

Cost contract:
- the glossary page: the terms, the active scoring model, the active criteria and their
  conditions: four queries whatever the number of terms;
- the labels every page links (``{% term %}``): one query per request, the terms with the few
  columns of the definitions in force their sentences need, read as subqueries of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Subquery
from django.db.models.functions import Lower
from django.urls import reverse

from leads.glossary.generated import (
    CriteriaInForce,
    GeneratedText,
    InForce,
    ModelInForce,
    Source,
    generated_texts,
    short_texts,
)
from leads.glossary.models import GlossaryTerm
from leads.scoring.models import QualificationCriteria, ScoringModel
from leads.scoring.qualification import criteria_definition

# The glossary page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A term as the page and the API show it; a generated one has a ``source``, or says that
    nothing of its kind is in force (``generated`` and no source)."""

    slug: str
    name: str
    stands_for: str
    short_definition: str
    definition: str
    note: str
    generated: bool
    source: Source | None
    term: GlossaryTerm

    @property
    def letter(self) -> str:
        first = self.name[:1].upper()
        return first if first.isalpha() else "#"

    def matches(self, words: list[str]) -> bool:
        text = " ".join(
            (self.name, self.stands_for, self.short_definition, self.definition, self.note)
        ).lower()
        return all(word in text for word in words)


def in_force_read() -> InForce:
    """The definitions in force, read from the database (three queries)."""
    model = ScoringModel.objects.active().first()
    criteria = {
        found.kind: found
        for found in QualificationCriteria.objects.active().prefetch_related("conditions")
    }

    def read(kind: str) -> CriteriaInForce | None:
        found = criteria.get(kind)
        if found is None:
            return None
        return CriteriaInForce(
            pk=found.pk,
            kind=found.kind,
            version=found.version,
            name=found.name,
            activated_at=found.activated_at,
            definition=criteria_definition(found, notes=False),
            notes=found.notes.strip(),
        )

    return InForce(
        model=None
        if model is None
        else ModelInForce(
            pk=model.pk,
            version=model.version,
            name=model.name,
            activated_at=model.activated_at,
            hot=model.hot_threshold,
            warm=model.warm_threshold,
            fit=(model.fit_a, model.fit_b, model.fit_c),
            engagement=(model.engagement_1, model.engagement_2, model.engagement_3),
        ),
        mql=read(QualificationCriteria.Kind.MQL),
        sql=read(QualificationCriteria.Kind.SQL),
    )


def _entry(term: GlossaryTerm, generated: dict[str, GeneratedText]) -> Entry:
    text = generated.get(term.generated_from) if term.generated_from else None
    return Entry(
        slug=term.slug,
        name=term.name,
        stands_for=term.stands_for,
        short_definition=text.short if text else term.short_definition,
        definition=text.definition if text else term.definition,
        note=term.note,
        generated=term.is_generated,
        source=text.source if text else None,
        term=term,
    )


def glossary_entries(terms=None) -> list[Entry]:
    """Every term (or those of ``terms``, a queryset), alphabetical, the generated ones in the
    words of the definitions in force now."""
    terms = GlossaryTerm.objects.order_by(Lower("name"), "slug") if terms is None else terms
    generated = generated_texts(in_force_read())
    return [_entry(term, generated) for term in terms]


def glossary_search(entries: list[Entry], query: str) -> list[Entry]:
    """The entries that hold every word of ``query`` (in any case), in their order."""
    words = query.lower().split()
    return [entry for entry in entries if entry.matches(words)] if words else entries


def glossary_entry(term: GlossaryTerm) -> Entry:
    return glossary_entries([term])[0]


# The labels that link to their term ---------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """What ``{% term %}`` renders: a link to the term, its sentence as the title."""

    slug: str
    name: str
    title: str
    url: str


def _active(queryset, field: str) -> Subquery:
    return Subquery(queryset.values(field)[:1])


def _in_force_columns() -> dict[str, Subquery]:
    model = ScoringModel.objects.active()
    columns = {
        "model_pk": _active(model, "pk"),
        "model_version": _active(model, "version"),
        "model_hot": _active(model, "hot_threshold"),
        "model_warm": _active(model, "warm_threshold"),
    }
    for kind in QualificationCriteria.Kind.values:
        criteria = QualificationCriteria.objects.active().filter(kind=kind)
        for field in ("pk", "version", "name"):
            columns[f"{kind}_{field}"] = _active(criteria, field)
    return columns


def _in_force_of(row: dict) -> InForce:
    model = None
    if row["model_pk"] is not None:
        model = ModelInForce(
            pk=row["model_pk"],
            version=row["model_version"],
            hot=row["model_hot"],
            warm=row["model_warm"],
        )
    criteria = {
        kind: CriteriaInForce(
            pk=row[f"{kind}_pk"],
            kind=kind,
            version=row[f"{kind}_version"],
            name=row[f"{kind}_name"],
        )
        if row[f"{kind}_pk"] is not None
        else None
        for kind in QualificationCriteria.Kind.values
    }
    return InForce(model=model, mql=criteria["mql"], sql=criteria["sql"])


def glossary_labels() -> dict[str, Label]:
    """Every term's label by slug, in one query: the terms, and the columns of the active
    scoring model and criteria that the generated sentences need, as uncorrelated subqueries
    (each computed once)."""
    rows = list(
        GlossaryTerm.objects.order_by().values(
            "slug", "name", "stands_for", "short_definition", "generated_from",
            **_in_force_columns(),
        )
    )  # fmt: skip
    if not rows:
        return {}
    shorts = short_texts(_in_force_of(rows[0]))
    page = reverse("glossary:index")
    labels = {}
    for row in rows:
        short = shorts[row["generated_from"]] if row["generated_from"] else row["short_definition"]
        title = f"{row['stands_for']}. {short}" if row["stands_for"] else short
        labels[row["slug"]] = Label(row["slug"], row["name"], title, f"{page}#{row['slug']}")
    return labels
