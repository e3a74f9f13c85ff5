from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from personas.forms import PersonaRulesForm
from personas.models import Persona, PersonaRules
from personas.services import persona_rules_delete, persona_rules_save
from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role
from smarketing.views import not_yet_available

# Who edits the matching rules: marketing owns the personas, revenue ops the scoring.
RULE_EDITORS = MARKETING_ROLES | {Role.ADMIN}


@role_required(ALL_ROLES)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="Personas",
        summary="Buyer personas built from the twelve question groups, with the rules that match leads to each.",
    )


@role_required(RULE_EDITORS)
@require_http_methods(["GET", "POST"])
def rules(request: AuthenticatedHttpRequest, persona_id: int) -> HttpResponse:
    """The persona's matching rules: edit them, or remove them."""
    persona = get_object_or_404(Persona, pk=persona_id)
    current = PersonaRules.objects.filter(persona=persona).first()
    if request.method == "POST" and request.POST.get("action") == "remove":
        if persona_rules_delete(persona=persona):
            messages.success(
                request, f"{persona}'s matching rules are removed; leads are matched again."
            )
        return redirect("personas:rules", persona_id=persona.pk)
    form = PersonaRulesForm(request.POST or None, rules=current)
    if request.method == "POST" and form.is_valid():
        try:
            persona_rules_save(persona=persona, **form.service_arguments())
        except ValidationError as refusal:
            for field, errors in refusal.message_dict.items():
                form.add_error(None if field == "__all__" else field, errors)
        else:
            messages.success(
                request, f"{persona}'s matching rules are saved; leads are matched again."
            )
            return redirect("personas:rules", persona_id=persona.pk)
    others = PersonaRules.objects.exclude(persona=persona).select_related("persona")
    context = {"persona": persona, "rules": current, "form": form, "others": others}
    return render(request, "personas/rules.html", context)
