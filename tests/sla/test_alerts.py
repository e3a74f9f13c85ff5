"""Breaches told once: the rep and their manager notified, each webhook sent one signed POST
(retried until it answers); and a rep whose waiting MQLs cannot all be touched in time
flagged before any breaches."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.urls import reverse

from sla.alerts import webhooks_deliver
from sla.clocks import clocks_sweep, reps_overloaded
from sla.models import (
    Clock,
    ClockKind,
    DeliveryStatus,
    Notification,
    NotificationKind,
    Webhook,
    WebhookDelivery,
)
from tests.factories import LeadFactory
from tests.helpers import free_port
from tests.sla.conftest import MONDAY, to_mql

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    """A real HTTP server that keeps every request, and answers with the statuses queued in
    ``answers`` (then 200)."""
    seen, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((dict(self.headers), body))
            self.send_response(answers.pop(0) if answers else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.seen, server.answers = seen, answers
    server.url = f"http://127.0.0.1:{server.server_port}/sla-hook"
    yield server
    server.shutdown()


@pytest.fixture
def managed(london, sales_manager):  # noqa: F811 - the fixture above
    london.manager = sales_manager
    london.save(update_fields=["manager"])
    return london


def test_a_breach_is_told_once_to_the_rep_the_manager_and_the_webhook(
    agreement,
    managed,
    rep,
    sales_manager,
    receiver,
    hooks,  # noqa: F811
):
    hook = Webhook.objects.create(name="Ops channel", url=receiver.url)
    lead = LeadFactory(owner=rep, email="ada@example.com")
    to_mql(lead, MONDAY, hooks)
    first_touch = Clock.objects.get(lead=lead, kind=ClockKind.FIRST_TOUCH)
    for _ in range(2):
        with hooks():
            clocks_sweep(now=MONDAY + timedelta(hours=3))
    assert webhooks_deliver() == 0

    notes = {n.user.username: n for n in Notification.objects.filter(kind="clocks_breached")}
    assert set(notes) == {rep.username, sales_manager.username}
    assert notes[rep.username].text == "1 SLA clock breached on your MQLs: 1 first touch."
    assert f"on MQLs of {rep.get_full_name()}: 1 first touch." in notes[sales_manager.username].text
    assert notes[rep.username].lead_ids == [lead.pk]
    breach_mails = [m for m in mail.outbox if m.subject == "Smarketing: SLA breached"]
    assert sorted(m.to[0] for m in breach_mails) == sorted([rep.email, sales_manager.email])

    assert len(receiver.seen) == 1
    headers, body = receiver.seen[0]
    timestamp, mac = (part.split("=", 1)[1] for part in headers["Smarketing-Signature"].split(","))
    expected = hmac.new(hook.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(mac, expected.hexdigest())
    payload = json.loads(body)
    assert payload["event"] == headers["Smarketing-Event"] == "sla.clock_breached"
    assert payload["clock"]["id"] == first_touch.pk
    assert (payload["lead"]["email"], payload["owner"]["username"]) == (lead.email, rep.username)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("sent", 1, 200)


def test_a_failed_delivery_is_retried_with_the_same_id_until_it_is_taken(
    agreement,
    managed,
    rep,
    receiver,
    hooks,  # noqa: F811
):
    Webhook.objects.create(name="Ops channel", url=receiver.url)
    receiver.answers.extend([500])
    to_mql(LeadFactory(owner=rep), MONDAY, hooks)
    with hooks():
        clocks_sweep(now=MONDAY + timedelta(hours=3))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error == "The receiver answered HTTP 500."
    assert webhooks_deliver() == 0  # not due again yet
    assert webhooks_deliver(now=delivery.next_attempt_at) == 1
    assert len(receiver.seen) == 2
    assert receiver.seen[0][0]["Smarketing-Delivery"] == receiver.seen[1][0]["Smarketing-Delivery"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_a_receiver_that_never_answers_is_given_up_after_the_last_attempt(
    agreement,
    managed,
    rep,
    hooks,  # noqa: F811
):
    Webhook.objects.create(name="Gone", url=f"http://127.0.0.1:{free_port()}/")
    to_mql(LeadFactory(owner=rep), MONDAY, hooks)
    with hooks():
        clocks_sweep(now=MONDAY + timedelta(hours=3))
    for _ in range(WebhookDelivery.MAX_ATTEMPTS):
        delivery = WebhookDelivery.objects.get()
        webhooks_deliver(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 8)
    assert delivery.last_error


def test_a_rep_with_more_waiting_mqls_than_hours_is_flagged_at_risk(
    agreement,
    managed,
    rep,
    sales_manager,
    client,
    hooks,  # noqa: F811
    monkeypatch,
):
    # First touch within 2 business hours of Monday 09:00: 8 touches of 15 minutes fit.
    for lead in LeadFactory.create_batch(10, owner=rep):
        to_mql(lead, MONDAY, hooks)
    (load,) = reps_overloaded(now=MONDAY)
    assert (load.owner, load.waiting, load.late, load.pace_minutes) == (rep, 10, 2, 15)
    assert Notification.objects.filter(kind=NotificationKind.CLOCKS_BREACHED).count() == 0

    client.force_login(sales_manager)
    # The page reads the load as of its own instant: that Monday at 09:00, as the rep sees it.
    monkeypatch.setattr("sla.views.timezone.now", lambda: MONDAY)
    page = client.get(reverse("sla:index")).content.decode()
    assert "of 10 waiting for a first touch, 2 would be touched late at 15" in page

    managed.minutes_per_touch = 12
    managed.save(update_fields=["minutes_per_touch"])
    assert reps_overloaded(now=MONDAY) == []
    page = client.get(reverse("sla:index")).content.decode()
    assert "Every rep can give their waiting MQLs a first touch in time." in page


def test_an_admin_sends_a_failed_delivery_again_once_the_receiver_is_back(
    agreement, managed, rep, receiver, admin_client, hooks
):
    Webhook.objects.create(name="Ops channel", url=receiver.url)
    to_mql(LeadFactory(owner=rep), MONDAY, hooks)
    receiver.answers.extend([503] * WebhookDelivery.MAX_ATTEMPTS)
    with hooks():
        clocks_sweep(now=MONDAY + timedelta(hours=3))
    for _ in range(WebhookDelivery.MAX_ATTEMPTS - 1):
        webhooks_deliver(now=WebhookDelivery.objects.get().next_attempt_at)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status) == (DeliveryStatus.FAILED, 503)

    changelist = reverse("admin:sla_webhookdelivery_changelist")
    with hooks():
        answer = admin_client.post(
            changelist, {"action": "retry", "_selected_action": [delivery.pk]}, follow=True
        )
    assert "1 delivery will be sent again" in answer.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == (DeliveryStatus.SENT, 200)
    assert len(receiver.seen) == WebhookDelivery.MAX_ATTEMPTS + 1


@pytest.mark.parametrize("micro", [0, 123456], ids=["whole-seconds", "microseconds"])
def test_the_database_builds_each_payload_as_the_demo_builds_it_here(agreement, rep, micro):
    """PostgreSQL's deliveries are written by one INSERT … SELECT, SQLite's built in Python:
    the receivers get the same payload either way (what is signed is the payload read back)."""
    from sla.alerts import Breach, _deliveries_create, _deliveries_insert

    sql_hook = Webhook.objects.create(name="Built by the database", url="http://127.0.0.1:9/a")
    python_hook = Webhook.objects.create(name="Built here", url="http://127.0.0.1:9/b")
    owned = LeadFactory(owner=rep, first_name=" Ada", last_name="", email="ada@example.com")
    nobody = LeadFactory(owner=None, first_name="", last_name="", email="x@example.com")
    breaches = []
    for lead in (owned, nobody):
        started = MONDAY.replace(microsecond=micro)
        clock = Clock.objects.create(
            lead=lead, kind=ClockKind.FIRST_TOUCH, owner=lead.owner, agreement=agreement,
            started_at=started, due_at=started + timedelta(hours=2),
        )  # fmt: skip
        breaches.append(
            Breach(clock.pk, lead.pk, clock.kind, lead.owner_id, clock.started_at, clock.due_at)
        )
    _deliveries_insert(breaches, [sql_hook], MONDAY, MONDAY)
    _deliveries_create(breaches, [python_hook], MONDAY, MONDAY)
    for breach in breaches:
        built = {
            d.webhook_id: d.payload
            for d in WebhookDelivery.objects.filter(key=f"clock:{breach.clock_id}")
        }
        assert built[sql_hook.pk] == built[python_hook.pk]
    first = WebhookDelivery.objects.get(webhook=sql_hook, key=f"clock:{breaches[0].clock_id}")
    assert first.payload["lead"]["name"] == "Ada"
    assert first.payload["clock"]["due_at"] == breaches[0].due_at.isoformat()
    second = WebhookDelivery.objects.get(webhook=sql_hook, key=f"clock:{breaches[1].clock_id}")
    assert (second.payload["owner"], second.payload["lead"]["name"]) == (None, "x@example.com")
    _deliveries_insert(breaches, [sql_hook], MONDAY, MONDAY)  # again: nothing more
    assert WebhookDelivery.objects.filter(webhook=sql_hook).count() == 2
