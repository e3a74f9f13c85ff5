"""Telling people of breaches: each clock the sweep marks breached is announced in the same
transaction that marks it — a notification to the lead's owner and one to their team's
manager (one each per sweep, however many clocks), and one delivery per active webhook — so a
sweep killed before it commits announces nothing and the next one announces it, and a second
sweep finds nothing left to announce.

Notifications are e-mailed by ``sla.routing.notifications_email``. Webhook deliveries are sent
by ``webhooks_deliver``: a JSON ``POST`` signed with the webhook's secret —
``Smarketing-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`` — with the
delivery's id in ``Smarketing-Delivery`` (the same on every retry, for the receiver to drop a
repeat). A delivery is claimed for ``LEASE`` before each attempt, so two workers never send it
at once; a non-2xx answer, a redirect or a network error is retried with backoff, up to
``WebhookDelivery.MAX_ATTEMPTS`` attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from sla.models import (
    ClockKind,
    DeliveryStatus,
    Function,
    Notification,
    NotificationKind,
    Team,
    TeamMember,
    Webhook,
    WebhookDelivery,
)
from smarketing.queueing import task_send_on_commit

logger = logging.getLogger(__name__)

BREACHED_EVENT = "sla.clock_breached"
LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10
DELIVER_BATCH = 200
PAYLOAD_BATCH = 5_000


@dataclass(frozen=True)
class Breach:
    """A clock the sweep just marked breached."""

    clock_id: int
    lead_id: int
    kind: str
    owner_id: int | None
    started_at: datetime
    due_at: datetime


# --- announcing --------------------------------------------------------------------------------


def breaches_announce(breaches: Sequence[Breach], at: datetime) -> None:
    """Write the notifications and webhook deliveries of these breaches (call it inside the
    transaction that marks them), and send them after it commits."""
    if not breaches:
        return
    _notify(breaches, at)
    webhooks = list(Webhook.objects.filter(active=True))
    if webhooks:
        _deliveries_write(breaches, webhooks, at)
    from sla.tasks import notifications_email_task, webhooks_deliver_task

    task_send_on_commit(notifications_email_task)
    if webhooks:
        task_send_on_commit(webhooks_deliver_task)


def _digest(ids) -> str:
    text = ",".join(map(str, sorted(ids)))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _notify(breaches: Sequence[Breach], at: datetime) -> None:
    """One notification to each owner for their breached clocks, and one to each sales manager
    for their team's (a clock without an owner goes to every sales team's manager)."""
    User = get_user_model()
    by_owner: dict[int | None, list[Breach]] = defaultdict(list)
    for breach in breaches:
        by_owner[breach.owner_id].append(breach)
    owners = {user.pk: user for user in User.objects.filter(pk__in=[pk for pk in by_owner if pk])}
    manager_of = dict(
        TeamMember.objects.filter(user_id__in=owners, team__function=Function.SALES)
        .exclude(team__manager=None)
        .values_list("user_id", "team__manager_id")
    )
    sales_managers = set(
        Team.objects.filter(function=Function.SALES)
        .exclude(manager=None)
        .values_list("manager_id", flat=True)
    )
    queue = reverse("leads:queue")
    rows = []
    for_manager: dict[int, list[Breach]] = defaultdict(list)
    for owner_id, owned in by_owner.items():
        managers = {manager_of[owner_id]} if owner_id in manager_of else set()
        if owner_id is None or owner_id not in owners:
            managers = sales_managers
        for manager in managers - {owner_id}:
            for_manager[manager].extend(owned)
        if owner_id in owners:
            rows.append(_notification(owner_id, owned, at, queue, whose="your MQLs"))
    for manager, owned in for_manager.items():
        names = sorted({_name(owners[b.owner_id]) if b.owner_id in owners else "nobody"
                        for b in owned})  # fmt: skip
        whose = "MQLs of " + ", ".join(names[:3]) + (" and others" if len(names) > 3 else "")
        rows.append(_notification(manager, owned, at, queue, whose=whose))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _name(user) -> str:
    return user.get_full_name() or user.username


def _notification(user_id: int, owned: list[Breach], at: datetime, url: str, whose: str):
    leads = sorted({breach.lead_id for breach in owned})
    kinds = defaultdict(int)
    for breach in owned:
        kinds[breach.kind] += 1
    parts = ", ".join(
        f"{count} {label.lower()}" for kind, label in ClockKind.choices if (count := kinds[kind])
    )
    text = f"{_count(len(owned), 'SLA clock', 'SLA clocks')} breached on {whose}: {parts}."
    return Notification(
        user_id=user_id, kind=NotificationKind.CLOCKS_BREACHED, created_at=at, text=text[:500],
        key=f"breached:{_digest(b.clock_id for b in owned)}", url=url, lead_ids=leads[:1000],
    )  # fmt: skip


def _deliveries_write(breaches: Sequence[Breach], webhooks: list[Webhook], at: datetime) -> None:
    """One delivery of each breach to each webhook, its payload what ``_payload`` says."""
    sent_from = timezone.now()  # the first attempt goes out now, whatever time swept
    if connection.vendor == "postgresql":
        _deliveries_insert(breaches, webhooks, at, sent_from)
    else:
        _deliveries_create(breaches, webhooks, at, sent_from)


def _iso(column: str) -> str:
    """SQL for a timestamp as Python's ``isoformat()`` writes one in UTC: microseconds only
    when there are any."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        f"extract(microseconds FROM {column})::bigint %% 1000000 <> 0 "
        f"THEN to_char({utc}, '.US') ELSE '' END || '+00:00'"
    )


def _deliveries_insert(breaches, webhooks, at: datetime, sent_from: datetime) -> None:
    """PostgreSQL: every delivery in one ``INSERT … SELECT`` that builds the payloads in the
    database from the clocks, their leads and owners — at 100,000 breaches, a second where
    building them here took twenty."""
    Lead = apps.get_model("leads", "Lead")
    Clock = apps.get_model("sla", "Clock")
    User = get_user_model()
    marker = 987654321
    lead_path = reverse("leads:detail", args=[marker])
    before, after = lead_path.split(str(marker))
    quote = connection.ops.quote_name
    sql = f"""
        INSERT INTO {quote(WebhookDelivery._meta.db_table)}
            (webhook_id, event, key, payload, status, created_at, next_attempt_at, attempts,
             last_error)
        SELECT w.id, %(event)s, 'clock:' || c.id, jsonb_build_object(
            'event', %(event)s,
            'occurred_at', {_iso("c.due_at")},
            'clock', jsonb_build_object('id', c.id, 'kind', c.kind,
                                        'started_at', {_iso("c.started_at")},
                                        'due_at', {_iso("c.due_at")}),
            'lead', CASE WHEN l.id IS NULL THEN NULL ELSE jsonb_build_object(
                'id', l.id,
                'name', COALESCE(NULLIF(btrim(l.first_name || ' ' || l.last_name), ''), l.email),
                'email', l.email,
                'url', %(portal)s || %(before)s || l.id || %(after)s) END,
            'owner', CASE WHEN u.id IS NULL THEN NULL ELSE jsonb_build_object(
                'id', u.id, 'username', u.username, 'email', u.email) END
        ), %(pending)s, %(at)s, %(sent_from)s, 0, ''
        FROM {quote(Clock._meta.db_table)} c
        LEFT JOIN {quote(Lead._meta.db_table)} l ON l.id = c.lead_id
        LEFT JOIN {quote(User._meta.db_table)} u ON u.id = c.owner_id
        CROSS JOIN {quote(Webhook._meta.db_table)} w
        WHERE c.id = ANY(%(clocks)s) AND w.id = ANY(%(webhooks)s)
        ON CONFLICT (webhook_id, key) DO NOTHING
    """  # noqa: S608 - our tables; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, {
            "event": BREACHED_EVENT, "portal": settings.PORTAL_URL, "before": before,
            "after": after, "pending": DeliveryStatus.PENDING, "at": at, "sent_from": sent_from,
            "clocks": [breach.clock_id for breach in breaches],
            "webhooks": [webhook.pk for webhook in webhooks],
        })  # fmt: skip


def _deliveries_create(breaches, webhooks, at: datetime, sent_from: datetime) -> None:
    """SQLite (the embedded demo): the payloads built here, in batches."""
    Lead = apps.get_model("leads", "Lead")
    User = get_user_model()
    owner_ids = {breach.owner_id for breach in breaches if breach.owner_id}
    owners = {
        pk: {"id": pk, "username": username, "email": email}
        for pk, username, email in User.objects.filter(pk__in=owner_ids).values_list(
            "pk", "username", "email"
        )
    }
    for offset in range(0, len(breaches), PAYLOAD_BATCH):
        batch = breaches[offset : offset + PAYLOAD_BATCH]
        leads = {lead.pk: lead for lead in Lead.objects.filter(pk__in={b.lead_id for b in batch})}
        rows = []
        for breach in batch:
            lead = leads.get(breach.lead_id)
            payload = {
                "event": BREACHED_EVENT,
                "occurred_at": breach.due_at.isoformat(),
                "clock": {
                    "id": breach.clock_id,
                    "kind": breach.kind,
                    "started_at": breach.started_at.isoformat(),
                    "due_at": breach.due_at.isoformat(),
                },
                "lead": lead
                and {
                    "id": lead.pk,
                    "name": str(lead),
                    "email": lead.email,
                    "url": settings.PORTAL_URL + lead.get_absolute_url(),
                },
                "owner": owners.get(breach.owner_id),
            }
            rows.extend(
                WebhookDelivery(
                    webhook=webhook,
                    event=BREACHED_EVENT,
                    key=f"clock:{breach.clock_id}",
                    payload=payload,
                    created_at=at,
                    next_attempt_at=sent_from,
                )  # fmt: skip
                for webhook in webhooks
            )
        WebhookDelivery.objects.bulk_create(rows, batch_size=1_000, ignore_conflicts=True)


# --- sending -----------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Smarketing-Signature`` header of a request with this body, sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to retry, not to follow: a POST must not turn into a GET."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(delivery: WebhookDelivery) -> int:
    """Send one delivery; returns the HTTP status (raises OSError when none came)."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 - an admin-set http(s) URL
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Smarketing-Webhooks/1",
            "Smarketing-Event": delivery.event,
            "Smarketing-Delivery": str(delivery.pk),
            "Smarketing-Signature": signature(delivery.webhook.secret, int(time.time()), body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def webhooks_deliver(now: datetime | None = None) -> int:
    """Send the deliveries due (new ones, and retries whose wait is over), each claimed first;
    returns how many were sent."""
    now = now or timezone.now()
    due = (
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, webhook__active=True
        )
        .select_related("webhook")
        .order_by("next_attempt_at", "id")[:DELIVER_BATCH]
    )
    sent = 0
    for delivery in due:
        claimed = WebhookDelivery.objects.filter(
            pk=delivery.pk,
            status=DeliveryStatus.PENDING,
            next_attempt_at=delivery.next_attempt_at,
        ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
        if not claimed:
            continue
        attempts = delivery.attempts + 1
        status, error = None, ""
        try:
            status = _post(delivery)
        except (OSError, ValueError) as failure:
            error = str(failure)
        if status is not None and 200 <= status < 300:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.SENT, sent_at=timezone.now(), response_status=status,
                last_error="",
            )  # fmt: skip
            sent += 1
            continue
        error = error or f"The receiver answered HTTP {status}."
        logger.warning("Webhook delivery %s failed (attempt %s): %s", delivery.pk, attempts, error)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED
            if attempts >= WebhookDelivery.MAX_ATTEMPTS
            else DeliveryStatus.PENDING,
            next_attempt_at=timezone.now() + _backoff(attempts),
            response_status=status,
            last_error=error[:500],
        )
    return sent


def deliveries_retry(deliveries) -> int:
    """Try these deliveries again at the next run (an admin's retry after fixing a receiver);
    those sent already are left alone. Returns how many."""
    return deliveries.exclude(status=DeliveryStatus.SENT).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), attempts=0, last_error=""
    )
