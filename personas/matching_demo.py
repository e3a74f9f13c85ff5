"""The demo's persona matching rules: four personas (created by name if the demo has not made
them yet) whose rules cover most demo leads, by seniority, company size and department."""

from __future__ import annotations

from personas.models import Persona, PersonaRules
from personas.services import persona_rules_save

# Name, priority and conditions; founders of small companies first, then by department. The
# demo's leads in human resources match none of them.
DEMO_RULES = (
    (
        "Founder Fiona",
        1,
        {"seniorities": ["owner", "c_level"], "size_bands": ["1-10", "11-50", "51-200"]},
    ),
    ("Marketing Mary", 2, {"departments": ["marketing", "sales"]}),
    ("IT Ivan", 3, {"departments": ["it", "engineering"]}),
    ("Ops Oliver", 4, {"departments": ["operations", "finance"]}),
)


def demo_persona_rules_load() -> int:
    """Give each demo persona its rules unless it has some; return how many were given."""
    given = 0
    for name, priority, conditions in DEMO_RULES:
        persona, _created = Persona.objects.get_or_create(name=name)
        if PersonaRules.objects.filter(persona=persona).exists():
            continue
        if PersonaRules.objects.filter(priority=priority).exists():
            continue  # someone gave that priority to another persona: theirs stands
        persona_rules_save(persona=persona, priority=priority, **conditions)
        given += 1
    return given
