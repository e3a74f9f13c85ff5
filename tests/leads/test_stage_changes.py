"""Every stage change goes through the lifecycle's one writer, which calls its subscribers with
the changes after commit: a lead created by hand, by the API or by an import, the MQL criteria
in bulk, a move on the board or through the API, and the demo's history."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse

from leads.demo import demo_leads_load
from leads.imports.services import import_csv
from leads.lifecycle import StageChange, stage_changes_write
from leads.models import Lead, Stage, StageTransition
from leads.scoring.qualification import criteria_defaults, leads_qualify
from leads.services import lead_create
from tests.factories import LeadFactory, rejection_reason

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
RECORDER = "tests.leads.test_stage_changes.record"
received: list[list[StageChange]] = []


def record(changes: list[StageChange]) -> None:
    """A subscriber that remembers what it was given."""
    received.append(list(changes))


@pytest.fixture
def subscribed(settings):
    """The recorder subscribed beside the project's own subscribers; returns what it received."""
    received.clear()
    settings.LEADS_STAGE_CHANGE_SUBSCRIBERS = [*settings.LEADS_STAGE_CHANGE_SUBSCRIBERS, RECORDER]
    yield received
    received.clear()


def moves(batches: list[list[StageChange]]) -> list[tuple[int, str, str]]:
    return [
        (change.lead_id, change.from_stage, change.to_stage)
        for batch in batches
        for change in batch
    ]


# --- each way a stage changes ---------------------------------------------------------------------


def test_a_created_lead_is_handed_over_after_commit_only(
    subscribed, marketer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lead = lead_create(email="ann@example.com", actor=marketer)
    assert subscribed == []

    for callback in callbacks:
        callback()
    assert moves(subscribed) == [(lead.pk, "", Stage.LEAD)]
    assert subscribed[0][0].actor_id == marketer.pk


def test_a_lead_created_through_the_api_is_handed_over(
    subscribed, client_for, marketer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(marketer).post(
            "/api/leads/", {"email": "bo@example.com"}, content_type="application/json"
        )
    assert response.status_code == 201, response.content
    assert moves(subscribed) == [(response.json()["id"], "", Stage.LEAD)]


def test_an_import_hands_over_each_new_lead_once(
    subscribed, marketer, django_capture_on_commit_callbacks
):
    LeadFactory(email="known@example.com")
    data = b"Email,Lifecycle Stage\nnew1@example.com,Subscriber\nknown@example.com,Lead\nnew2@example.com,\n"

    with django_capture_on_commit_callbacks(execute=True):
        job = import_csv(data, actor=marketer)

    assert (job.created_count, job.updated_count) == (2, 1)
    new = dict(Lead.objects.filter(email__startswith="new").values_list("email", "pk"))
    assert sorted(moves(subscribed)) == sorted(
        [(new["new1@example.com"], "", Stage.SUBSCRIBER), (new["new2@example.com"], "", Stage.LEAD)]
    )


def test_the_mql_criteria_in_bulk_hand_over_every_lead_they_qualify(
    subscribed, django_capture_on_commit_callbacks
):
    criteria_defaults()
    hot = [LeadFactory(stage=Stage.LEAD, total_score=80) for _ in range(3)]
    subscriber = LeadFactory(stage=Stage.SUBSCRIBER, total_score=90)
    LeadFactory(stage=Stage.LEAD, total_score=10)

    with django_capture_on_commit_callbacks(execute=True):
        moved = leads_qualify(leads=Lead.objects.all())

    assert moved == 4
    assert sorted(moves(subscribed)) == sorted(
        [(lead.pk, Stage.LEAD, Stage.MQL) for lead in hot]
        + [(subscriber.pk, Stage.SUBSCRIBER, Stage.MQL)]
    )
    assert all(change.rule == "Standard MQL" for change in subscribed[0])


def test_a_move_on_the_board_is_handed_over(
    subscribed, client_for, rep, django_capture_on_commit_callbacks
):
    lead = LeadFactory(stage=Stage.MQL)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(rep).post(
            reverse("leads:move", args=[lead.pk]),
            {"to_stage": Stage.SAL, "expected_stage": Stage.MQL},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert moves(subscribed) == [(lead.pk, Stage.MQL, Stage.SAL)]
    assert subscribed[0][0].actor_id == rep.pk


def test_a_move_through_the_api_is_handed_over(
    subscribed, client_for, rep, django_capture_on_commit_callbacks
):
    lead = LeadFactory(stage=Stage.MQL)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(rep).post(
            f"/api/leads/{lead.pk}/stage/",
            {"stage": "recycled", "rejection_reason": "no-budget", "reason": "Q3"},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert response.json()["transition"]["rejection_reason"] == "no-budget"
    assert moves(subscribed) == [(lead.pk, Stage.MQL, Stage.RECYCLED)]
    change = subscribed[0][0]
    assert (change.reason, change.rejection_reason_id) == ("Q3", rejection_reason("no-budget").pk)


def test_a_refused_move_hands_over_nothing(
    subscribed, client_for, marketer, django_capture_on_commit_callbacks
):
    lead = LeadFactory(stage=Stage.MQL)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(marketer).post(
            f"/api/leads/{lead.pk}/stage/", {"stage": "sal"}, content_type="application/json"
        )
    assert response.status_code == 409
    assert subscribed == []


def test_the_demo_history_is_handed_over_with_its_times(
    subscribed, rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = demo_leads_load(owners=[rep])

    handed = sorted(
        (change.lead_id, change.from_stage, change.to_stage, change.at)
        for batch in subscribed
        for change in batch
    )
    stored = sorted(StageTransition.objects.values_list("lead_id", "from_stage", "to_stage", "at"))
    assert handed == stored
    assert len(stored) > created  # a path of several steps for many leads
    entered = {lead_id for lead_id, from_stage, _, _ in handed if from_stage == ""}
    assert entered == set(Lead.objects.values_list("pk", flat=True))


# --- the writer itself ---------------------------------------------------------------------------


def test_a_change_whose_lead_has_moved_meanwhile_is_neither_made_nor_handed_over(
    subscribed, django_capture_on_commit_callbacks
):
    stays, moves_on = LeadFactory(stage=Stage.SAL), LeadFactory(stage=Stage.LEAD)
    at = moves_on.created_at
    with django_capture_on_commit_callbacks(execute=True):
        written = stage_changes_write(
            [
                StageChange(lead_id=stays.pk, from_stage=Stage.LEAD, to_stage=Stage.MQL, at=at),
                StageChange(lead_id=moves_on.pk, from_stage=Stage.LEAD, to_stage=Stage.MQL, at=at),
            ]
        )

    assert [(t.lead_id, t.to_stage) for t in written] == [(moves_on.pk, Stage.MQL)]
    assert moves(subscribed) == [(moves_on.pk, Stage.LEAD, Stage.MQL)]
    stays.refresh_from_db()
    assert stays.stage == Stage.SAL
    assert not StageTransition.objects.filter(lead=stays).exists()


def test_many_changes_are_copied_in_and_the_board_counts_follow(
    client_for, marketer, django_capture_on_commit_callbacks
):
    leads = [LeadFactory(stage=Stage.LEAD) for _ in range(250)]
    board = client_for(marketer).get(reverse("leads:board"))
    assert board.status_code == 200
    at = leads[0].created_at

    with django_capture_on_commit_callbacks(execute=True):
        written = stage_changes_write(
            [
                StageChange(lead_id=lead.pk, from_stage=Stage.LEAD, to_stage=Stage.MQL, at=at)
                for lead in leads
            ]
        )

    assert len(written) == 250
    assert StageTransition.objects.filter(to_stage=Stage.MQL).count() == 250
    counts = client_for(marketer).get(
        reverse("leads:board"), {"counts": 1}, headers={"HX-Request": "true"}
    )
    assert 'id="count-mql" hx-swap-oob="true">250<' in counts.content.decode()


# --- nothing else writes a transition or a stage --------------------------------------------------

# The one writer; the synthetic-history loader of the benchmarks, which COPYs a million leads'
# past with the keys dropped (leads.lifecycle's docstring says so); and the SLA bench, which puts
# the leads it moved to MQL through the lifecycle back as they were, so later parts read the
# data they were given.
ALLOWED = {"leads/lifecycle.py", "leads/management/commands/generate_data.py", "bench/sla.py"}
SQL_WRITE = re.compile(
    r"(insert\s+into|copy|update)\s+\W?leads_stagetransition|set\s+stage\b", re.I
)
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "bulk_update"}


def _writes_in(path: Path) -> list[str]:
    """The lines of ``path`` that write a stage transition or a lead's stage."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id == "StageTransition":
                found.append(f"{node.lineno}: StageTransition(…)")
            if isinstance(function, ast.Attribute) and function.attr in WRITES:
                target = ast.unparse(function.value)
                if target.startswith("StageTransition.objects") or target.endswith(".transitions"):
                    found.append(f"{node.lineno}: {target}.{function.attr}(…)")
                if function.attr == "update" and any(k.arg == "stage" for k in node.keywords):
                    found.append(f"{node.lineno}: {target}.update(stage=…)")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_WRITE.search(node.value)
        ):
            found.append(f"{node.lineno}: SQL {node.value[:40]!r}")
        if isinstance(node, ast.Attribute) and ast.unparse(node) == "StageTransition._meta":
            found.append(f"{node.lineno}: StageTransition._meta")
    return found


def test_only_the_lifecycle_writes_stage_transitions():
    sources = [
        path
        for package in ("smarketing", "leads", "personas", "journeys", "sla", "reports", "bench")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]
    bypasses = {
        str(path.relative_to(ROOT)): writes
        for path in sources
        if str(path.relative_to(ROOT)) not in ALLOWED and (writes := _writes_in(path))
    }
    assert bypasses == {}, "Stage changes written outside leads.lifecycle.stage_changes_write"
    assert _writes_in(ROOT / "leads/lifecycle.py"), "the scan no longer sees the writer itself"
