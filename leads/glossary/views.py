"""The glossary page, which every user reads, and the admin's forms to write its terms."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from leads.glossary import selectors
from leads.glossary.forms import GlossaryTermForm
from leads.glossary.models import GlossaryTerm
from leads.glossary.services import GeneratedTermRefused, glossary_term_delete
from smarketing.access import ANY_USER, require, role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import Role, user_roles

QUERY_MAX_LENGTH = 100


@require(ANY_USER)
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every term, alphabetical, with an anchor each; ``q`` keeps those holding its words."""
    query = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    entries = selectors.glossary_entries()
    shown = selectors.glossary_search(entries, query)
    letters: dict[str, list[selectors.Entry]] = {}
    for entry in shown:
        letters.setdefault(entry.letter, []).append(entry)
    context = {
        "letters": letters,
        "query": query,
        "shown": len(shown),
        "total": len(entries),
        "can_edit": Role.ADMIN in user_roles(request.user),
    }
    return render(request, "glossary/index.html", context)


def _form_page(request, form: GlossaryTermForm, term: GlossaryTerm | None) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        saved = form.save(actor=request.user)
        if saved is not None:
            messages.success(request, f"“{saved.name}” is saved.")
            return redirect(saved.get_absolute_url())
    entry = selectors.glossary_entry(term) if term is not None else None
    return render(request, "glossary/form.html", {"form": form, "term": term, "entry": entry})


@role_required(Role.ADMIN)
def term_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = GlossaryTermForm(request.POST if request.method == "POST" else None)
    return _form_page(request, form, None)


@role_required(Role.ADMIN)
def term_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    term = get_object_or_404(GlossaryTerm, slug=slug)
    form = GlossaryTermForm(request.POST if request.method == "POST" else None, term=term)
    return _form_page(request, form, term)


@role_required(Role.ADMIN)
@require_POST
def term_delete(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    term = get_object_or_404(GlossaryTerm, slug=slug)
    try:
        glossary_term_delete(term=term)
    except GeneratedTermRefused as refusal:
        messages.warning(request, str(refusal))
        return redirect(term.get_absolute_url())
    messages.success(request, f"“{term.name}” is deleted from the glossary.")
    return redirect("glossary:index")
