"""A person's rights over their data: the consent status with where and when it was given or
withdrawn, everything the portal holds on their lead exported as JSON, and their personal
data erased on request.

Erasure anonymises the lead rather than deleting it: the lead keeps its stage transitions,
events, touches and clocks — without anything that names the person — so the funnel, the
reports, the SLA figures and the scores count it as before. What goes:

- the e-mail (replaced by one that cannot be delivered), the names, job title, phone and city;
- the notes; the free text of the touches and of the stage changes (a rep's reasons);
- each event's properties (the pages, form fields and links it carried), but for those a
  scoring rule reads (a page's path, a form's name), so the lead's score stays as it was;
- the consent: withdrawn, and the lead unsubscribed.

The seniority, department, country, company and sources stay: they are what the scoring
and the reports group by, and say nothing of the person without the rest. Each export and
erasure is recorded (``PrivacyRequest``) with who carried it out. An erased lead takes no new
personal data: its profile, owner, notes and touches are closed; its stage still moves, so
sales can close it and its SLA clocks stop."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from leads.lifecycle import transition_reasons_erase
from leads.models import Consent, Event, Lead, Note, PrivacyRequest, Touch
from leads.search import leads_search_write

# The address an erased lead is given: ``.invalid`` is reserved never to resolve (RFC 2606).
ERASED_EMAIL = "erased-{pk}@erased.invalid"
ERASED_SOURCE = "Erased on request"
# The profile fields that name or reach the person, emptied by an erasure.
IDENTIFYING_FIELDS = ("first_name", "last_name", "job_title", "phone", "city")
# What an export holds besides the lead itself: each related set, and its order.
EXPORTED = {
    "events": ("events", "occurred_at"),
    "stage_transitions": ("transitions", "at"),
    "owner_changes": ("owner_changes", "at"),
    "touches": ("touches", "at"),
    "notes": ("notes", "created_at"),
    "content_sends": ("content_sends", "at"),
    "sla_clocks": ("sla_clocks", "started_at"),
}


def email_digest(email: str) -> str:
    """The SHA-256 of ``email`` in lower case: a request's record names the person by it."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def consent_stamp(fields: dict[str, Any], *, current: str | None, source: str) -> None:
    """Add to ``fields`` (a lead's, about to be written) where and when its consent status was
    set, if ``fields`` sets one other than ``current`` (None: a new lead, whose first known
    status is stamped)."""
    consent = fields.get("consent")
    if consent is None or consent == current or (current is None and consent == Consent.UNKNOWN):
        return
    fields["consent_source"] = source[:100]
    fields["consent_at"] = timezone.now()


def erased_refusal(lead: Lead) -> str | None:
    """Why ``lead`` takes no change of its profile, owner, notes or touches: its data was
    erased; None otherwise."""
    if lead.erased_at is None:
        return None
    return (
        f"This lead's personal data was erased on {timezone.localtime(lead.erased_at):%-d %B %Y}; "
        "it takes no new personal data."
    )


def _row(instance: models.Model) -> dict[str, Any]:
    """Every stored field of ``instance`` as a plain value (a country as its code), foreign
    keys as their ids."""
    return {
        field.attname: field.get_prep_value(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
    }


def lead_export(*, lead: Lead, actor, reference: str = "") -> dict[str, Any]:
    """Everything the portal holds on ``lead``, as plain JSON values (``DjangoJSONEncoder``
    turns the times and decimals into text): the lead, its company and each related set,
    oldest first. The export is recorded."""
    with transaction.atomic():
        PrivacyRequest.objects.create(
            kind=PrivacyRequest.Kind.EXPORT, lead_id=lead.pk, email_digest=email_digest(lead.email),
            reference=reference.strip(), actor=actor,
        )  # fmt: skip
        data: dict[str, Any] = {
            "exported_at": timezone.now(),
            "lead": _row(lead),
            "company": _row(lead.company) if lead.company_id else None,
        }
        for name, (related, order) in EXPORTED.items():
            data[name] = [_row(row) for row in getattr(lead, related).order_by(order, "pk")]
        data["privacy_requests"] = [
            _row(row) for row in PrivacyRequest.objects.filter(lead_id=lead.pk).order_by("at")
        ]
    return data


def export_json(data: dict[str, Any]) -> str:
    """An export (``lead_export``) as indented JSON text."""
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


@transaction.atomic
def lead_erase(*, lead: Lead, actor, confirm_email: str, reference: str = "") -> PrivacyRequest:
    """Erase the personal data of ``lead`` on the person's request (see the module), once:
    ``confirm_email`` must be the lead's e-mail, as a guard against erasing the wrong lead.
    Returns the request's record, which says what was removed."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if refusal := erased_refusal(lead):
        raise ValidationError(refusal)
    if confirm_email.strip().lower() != lead.email.lower():
        raise ValidationError(
            {"confirm_email": "Type the lead's e-mail address exactly to confirm the erasure."}
        )
    digest = email_digest(lead.email)
    now = timezone.now()
    removed = {
        "notes": Note.objects.filter(lead=lead).delete()[0],
        "touch_notes": Touch.objects.filter(lead=lead).exclude(note="").update(note=""),
        "stage_change_reasons": transition_reasons_erase(lead.pk),
        "event_properties": _event_properties_erase(lead),
    }
    fields: dict[str, Any] = dict.fromkeys(IDENTIFYING_FIELDS, "")
    fields.update(
        email=ERASED_EMAIL.format(pk=lead.pk), consent=Consent.WITHDRAWN,
        consent_source=ERASED_SOURCE, consent_at=now, unsubscribed=True, erased_at=now,
        updated_at=now,
    )  # fmt: skip
    Lead.objects.filter(pk=lead.pk).update(**fields)
    leads_search_write(Lead.objects.filter(pk=lead.pk))
    return PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.ERASURE, lead_id=lead.pk, email_digest=digest,
        reference=reference.strip(), actor=actor, at=now, removed=removed,
    )  # fmt: skip


def _event_properties_erase(lead: Lead) -> int:
    """Empty the properties of ``lead``'s events, but for those a scoring rule reads; returns
    how many events changed."""
    from leads.scoring.models import EngagementRule

    read = set(
        EngagementRule.objects.exclude(property_key="").values_list("property_key", flat=True)
    )
    changed = []
    for event in Event.objects.filter(lead=lead).exclude(properties={}).only("properties"):
        kept = {key: value for key, value in event.properties.items() if key in read}
        if kept != event.properties:
            event.properties = kept
            changed.append(event)
    Event.objects.bulk_update(changed, ["properties"], batch_size=1_000)
    return len(changed)


def privacy_requests_of(lead: Lead) -> list[PrivacyRequest]:
    """The exports and erasures of ``lead``, latest first, with who carried them out."""
    return list(PrivacyRequest.objects.filter(lead_id=lead.pk).select_related("actor"))
