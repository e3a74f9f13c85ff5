"""The registry of behaviour event types: one list, used by models, forms, the API and imports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    key: str
    label: str
    icon: str


EVENT_TYPES: tuple[EventType, ...] = (
    EventType("page_view", "Page view", "eye"),
    EventType("pricing_page_view", "Pricing page view", "currency-dollar"),
    EventType("email_open", "E-mail opened", "envelope-open"),
    EventType("email_click", "E-mail link clicked", "cursor"),
    EventType("form_submit", "Form submitted", "ui-checks"),
    EventType("content_download", "Content downloaded", "download"),
    EventType("webinar_registered", "Registered for a webinar", "calendar-plus"),
    EventType("webinar_attended", "Attended a webinar", "camera-video"),
    EventType("demo_request", "Requested a demo", "hand-index"),
    EventType("trial_signup", "Signed up for a trial", "rocket"),
    EventType("meeting_booked", "Booked a meeting", "calendar-check"),
    EventType("unsubscribe", "Unsubscribed", "envelope-x"),
    EventType("email_bounce", "E-mail bounced", "exclamation-triangle"),
)

EVENT_TYPES_BY_KEY = {event_type.key: event_type for event_type in EVENT_TYPES}
EVENT_TYPE_CHOICES = [(event_type.key, event_type.label) for event_type in EVENT_TYPES]
