"""Fixtures of the SLA tests: a signed agreement, a London sales team, and the after-commit
hooks run as a committed request would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leads.lifecycle import lead_move_stage
from leads.models import Stage
from sla.models import TeamMember
from sla.services import team_save
from tests.factories import signed_agreement

# Monday 7 December 2026, 09:00 in London (UTC in winter).
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def agreement(db, admin_user, marketer, sales_manager):
    return signed_agreement(
        admin=admin_user, marketer=marketer, sales_manager=sales_manager,
        effective_from=MONDAY - timedelta(days=30),
    )  # fmt: skip


@pytest.fixture
def london(db, rep):
    team = team_save(data={"name": "Sales", "function": "sales", "time_zone": "Europe/London",
                           "holiday_country": "GB", "holiday_region": "ENG"})  # fmt: skip
    TeamMember.objects.create(team=team, user=rep)
    return team


@pytest.fixture
def hooks(django_capture_on_commit_callbacks):
    """Run the after-commit hooks of each block, as a committed request would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def to_mql(lead, at, hooks):
    with hooks():
        lead_move_stage(lead=lead, to_stage=Stage.MQL, rule="MQL", at=at)
    lead.refresh_from_db()
