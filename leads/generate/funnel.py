"""The funnel: a lead's walk through the stages, with its dates, scores and channel."""

from __future__ import annotations

import random
from dataclasses import dataclass

from leads.generate.common import HISTORY_MINUTES, MINUTES_PER_DAY, _picker, _plain, _slug
from leads.generate.people import (
    DEPARTMENT_WEIGHTS,
    DEPARTMENTS,
    FIRST_NAMES,
    ICP_INDUSTRIES,
    JOB_TITLES,
    LAST_NAMES,
    SENIORITIES,
    SENIORITY_FIT,
    SENIORITY_WEIGHTS,
    SIZE_FIT,
)
from leads.models import Channel, Department, Stage, Temperature

STAGES = tuple(str(stage.value) for stage in Stage)
STAGE_INDEX = {stage: position for position, stage in enumerate(STAGES)}
# Where leads stand today: a wide top, a narrowing middle, a few customers and evangelists,
# and the side exits of a real pipeline.
STAGE_WEIGHTS = _plain(
    {
        Stage.SUBSCRIBER: 200,
        Stage.LEAD: 360,
        Stage.MQL: 90,
        Stage.SAL: 55,
        Stage.SQL: 38,
        Stage.OPPORTUNITY: 24,
        Stage.CUSTOMER: 16,
        Stage.EVANGELIST: 5,
        Stage.RECYCLED: 130,
        Stage.DISQUALIFIED: 85,
    }
)
SALES_STAGES = frozenset(
    _plain((Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.EVANGELIST))
)
FORWARD = _plain((Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER))
# Days between entering one stage and the next (low, high), by the stage entered.
GAP_DAYS = _plain(
    {
        Stage.LEAD: (1, 30),
        Stage.MQL: (2, 40),
        Stage.SAL: (0.05, 2),
        Stage.SQL: (3, 20),
        Stage.OPPORTUNITY: (5, 25),
        Stage.CUSTOMER: (10, 45),
        Stage.EVANGELIST: (20, 60),
        Stage.RECYCLED: (5, 30),
        Stage.DISQUALIFIED: (1, 20),
    }
)
MARKETING_RULES = _plain(
    {
        Stage.LEAD: "Became a lead: form submitted",
        Stage.MQL: "MQL criteria met",
    }
)
# A rep's rejection: its reason code (the seeded list of leads.migrations.0028) and note.
RECYCLE_REASONS = (
    ("no-budget", "No budget this quarter"),
    ("not-decision-maker", "Not the decision maker; nurture"),
    ("other", "Timing: revisit next quarter"),
    ("no-response", "Went quiet after two meetings"),
)
DISQUALIFY_REASONS = (
    ("wrong-persona", "Student, not a buyer"),
    ("competitor", "Works for a competitor"),
    ("other", "Outside our territories"),
    ("wrong-persona", "Company too small for the product"),
)
CHANNELS = _plain((
    Channel.ORGANIC_SEARCH, Channel.PAID_SEARCH, Channel.SOCIAL, Channel.PAID_SOCIAL,
    Channel.EMAIL, Channel.REFERRAL, Channel.DIRECT, Channel.EVENT, Channel.PARTNER,
    Channel.OUTBOUND, Channel.IMPORT,
))  # fmt: skip
CHANNEL_WEIGHTS = (22, 18, 8, 10, 12, 6, 8, 5, 4, 4, 3)
UTM = _plain(
    {
        Channel.ORGANIC_SEARCH: ("google", "organic"),
        Channel.PAID_SEARCH: ("google", "cpc"),
        Channel.SOCIAL: ("linkedin", "social"),
        Channel.PAID_SOCIAL: ("linkedin", "paid_social"),
        Channel.EMAIL: ("newsletter", "email"),
        Channel.REFERRAL: ("g2", "referral"),
        Channel.EVENT: ("saastr", "event"),
        Channel.PARTNER: ("partner", "referral"),
    }
)
ENGAGEMENT_RANGE = _plain(
    {
        Stage.SUBSCRIBER: (0, 14),
        Stage.LEAD: (4, 32),
        Stage.MQL: (24, 50),
        Stage.SAL: (26, 50),
        Stage.SQL: (28, 50),
        Stage.OPPORTUNITY: (28, 50),
        Stage.CUSTOMER: (16, 46),
        Stage.EVANGELIST: (26, 50),
        Stage.RECYCLED: (4, 26),
        Stage.DISQUALIFIED: (0, 18),
    }
)


def temperature_for(total: int) -> str:
    if total >= 70:
        return Temperature.HOT
    return Temperature.WARM if total >= 40 else Temperature.COLD


def grade_for(fit: int, engagement: int) -> str:
    """A–D by fit quartile band (of 0–50), 1–4 by engagement quartile band (of 0–50)."""
    letter = "A" if fit >= 38 else "B" if fit >= 25 else "C" if fit >= 13 else "D"
    digit = (
        "1" if engagement >= 38 else "2" if engagement >= 25 else "3" if engagement >= 13 else "4"
    )
    return letter + digit


def scores(fit: int, engagement: int) -> dict:
    total = fit + engagement
    return {
        "fit": fit,
        "engagement": engagement,
        "total": total,
        "temperature": temperature_for(total),
        "grade": grade_for(fit, engagement),
    }


SUBSCRIBER, LEAD, MQL, SAL, SQL, OPPORTUNITY, CUSTOMER, EVANGELIST, RECYCLED, DISQUALIFIED = STAGES
# Sales decides on an MQL within days and works a SAL for weeks: a walk that reached one of
# them longer ago than this many days went on, to the stage the decision took it to.
DECIDED_AFTER_DAYS = {MQL: 4, SAL: 21}
_decided = {
    MQL: _picker((SAL, RECYCLED, DISQUALIFIED), (65, 25, 10)),
    SAL: _picker((SQL, RECYCLED, DISQUALIFIED), (50, 40, 10)),
}
# Days from an open stage to the decision that left it.
DECISION_DAYS = {MQL: (0.05, 2), SAL: (3, 20)}
_recycled_from = _picker((LEAD, MQL, SAL, SQL), (15, 45, 30, 10))
_disqualified_from = _picker((LEAD, MQL, SAL), (50, 30, 20))


def funnel_path(rng: random.Random, stage: str) -> list[str]:
    """The stages a lead now in ``stage`` walked through, in order, ending at ``stage``."""
    start = [SUBSCRIBER, LEAD] if rng.random() < 0.35 else [LEAD]
    if stage == SUBSCRIBER:
        return [SUBSCRIBER]
    if stage in FORWARD:
        return start + list(FORWARD[1 : FORWARD.index(stage) + 1])
    if stage == EVANGELIST:
        return start + list(FORWARD[1:]) + [EVANGELIST]
    reached = (_recycled_from if stage == RECYCLED else _disqualified_from)(rng.random())
    return start + list(FORWARD[1 : FORWARD.index(reached) + 1]) + [stage]


@dataclass
class LeadStory:
    """One lead's attributes and history. Times are minutes before "now"."""

    first_name: str
    last_name: str
    seniority: str
    department: str
    job_title: str
    channel: str
    stage: str
    path: list[str]
    times: list[int]  # minutes ago, one per step of ``path``, decreasing
    fit: int
    engagement: int
    owned: bool
    sql_checklist: bool
    unsubscribed: bool
    rejection: str = ""  # the reason code of its side exit, when the walk decided it

    @property
    def created(self) -> int:
        return self.times[0]

    @property
    def stage_changed(self) -> int:
        return self.times[-1]

    @property
    def reached_mql(self) -> int | None:
        """When it became an MQL, if it ever did."""
        return self.times[self.path.index(Stage.MQL)] if Stage.MQL in self.path else None

    @property
    def reached_sal(self) -> int | None:
        return self.times[self.path.index(SAL)] if SAL in self.path else None

    def snapshot(self, step: int) -> dict:
        """The scores recorded with the ``step``-th transition: engagement grows along the walk."""
        if step == 0:
            return scores(self.fit, 0)
        share = min(1.0, 0.4 + 0.6 * step / max(1, len(self.path) - 1))
        return scores(self.fit, round(self.engagement * share))


_stage = _picker(STAGE_WEIGHTS, STAGE_WEIGHTS.values())
_seniority = _picker(SENIORITIES, SENIORITY_WEIGHTS)
_department = _picker(DEPARTMENTS, DEPARTMENT_WEIGHTS)
_channel = _picker(CHANNELS, CHANNEL_WEIGHTS)
_SELLING_DEPARTMENTS = frozenset(_plain((Department.MARKETING, Department.SALES)))


def lead_story(rng: random.Random, *, size_index: int, industry: str) -> LeadStory:
    draw = rng.random
    stage = _stage(draw())
    path = funnel_path(rng, stage)
    seniority = _seniority(draw())
    department = _department(draw())
    fit = SENIORITY_FIT[seniority] + SIZE_FIT[size_index] + int(draw() * 7)
    fit += 10 if industry in ICP_INDUSTRIES else 2
    if department in _SELLING_DEPARTMENTS:
        fit += 4
    fit = min(50, fit)
    # A walk needs time: deeper stages were created earlier in the window.
    steps = len(path)
    earliest = max(60, min(HISTORY_MINUTES // 2, (steps - 1) * 6 * MINUTES_PER_DAY))
    created = earliest + int(draw() * (HISTORY_MINUTES - earliest))
    times = [created]
    if steps > 1:
        gaps = []
        for step in path[1:]:
            low_gap, high_gap = GAP_DAYS[step]
            gaps.append((low_gap + draw() * (high_gap - low_gap)) * MINUTES_PER_DAY)
        room = created * 0.97
        total_gap = sum(gaps)
        scale = room / total_gap if total_gap > room else 1.0
        for gap in gaps:
            times.append(max(0, int(times[-1] - gap * scale)))
    _decisions_walk(draw, path, times)
    rejection = _small_company_turned_away(draw, path, times, size_index)
    stage = path[-1]
    low, high = ENGAGEMENT_RANGE[stage]
    engagement = low + int(draw() * (high - low + 1))
    owned = (
        SAL in path
        or (stage == MQL and draw() < 0.6)
        or (stage in (RECYCLED, DISQUALIFIED) and MQL in path)
    )
    return LeadStory(
        first_name=FIRST_NAMES[int(draw() * len(FIRST_NAMES))],
        last_name=LAST_NAMES[int(draw() * len(LAST_NAMES))],
        seniority=seniority,
        department=department,
        job_title=JOB_TITLES[seniority, department],
        channel=_channel(draw()),
        stage=stage,
        path=path,
        times=times,
        fit=fit,
        engagement=engagement,
        owned=owned,
        sql_checklist=SQL in path,
        unsubscribed=stage == DISQUALIFIED and draw() < 0.2,
        rejection=rejection,
    )


def _decisions_walk(draw, path: list[str], times: list[int]) -> None:
    """Walk a lead left long in MQL or SAL on through sales' decisions, in place."""
    while path[-1] in DECIDED_AFTER_DAYS and times[-1] > (
        DECIDED_AFTER_DAYS[path[-1]] * MINUTES_PER_DAY
    ):
        low, high = DECISION_DAYS[path[-1]]
        times.append(int(times[-1] - (low + draw() * (high - low)) * MINUTES_PER_DAY))
        path.append(_decided[path[-1]](draw()))


# Sales turns most MQLs from companies of 1–10 people away for want of budget: the starter
# model's −10 for them is too mild, a bias the scoring lab's suggestions find in the history.
SMALL_COMPANY_TURNED_AWAY = 0.6


def _small_company_turned_away(draw, path: list[str], times: list[int], size_index: int) -> str:
    """Cut the walk of a lead from a company of 1–10 people that sales accepted back to a
    rejection for want of budget, most of the time; the reason code, or ``""``."""
    if size_index != 0 or MQL not in path:
        return ""
    at = path.index(MQL)
    if at + 1 >= len(path) or path[at + 1] != SAL or draw() >= SMALL_COMPANY_TURNED_AWAY:
        return ""
    low, high = DECISION_DAYS[MQL]
    decided = max(0, int(times[at] - (low + draw() * (high - low)) * MINUTES_PER_DAY))
    del path[at + 1 :], times[at + 1 :]
    path.append(RECYCLED)
    times.append(decided)
    return "no-budget"


_EMAIL_LOCAL: dict[tuple[str, str], str] = {}


def email_for(story: LeadStory, domain: str, serial: int) -> str:
    """A lower-case address, unique through ``serial``."""
    key = (story.first_name, story.last_name)
    local = _EMAIL_LOCAL.get(key)
    if local is None:
        local = _EMAIL_LOCAL[key] = _slug(f"{story.first_name}.{story.last_name}").replace("-", ".")
    return f"{local}.{serial}@{domain}"


def transition_rejection(
    rng: random.Random, stage: str, step: int, decided: str = ""
) -> tuple[str, str]:
    """A transition's reason code (for a side exit) and words; ``decided``, the code the walk
    gave its side exit (``LeadStory.rejection``), if it gave one."""
    if step == 0:
        return "", "Created"
    if decided and stage in (Stage.RECYCLED, Stage.DISQUALIFIED):
        return decided, dict(RECYCLE_REASONS + DISQUALIFY_REASONS)[decided]
    if stage == Stage.RECYCLED:
        return rng.choice(RECYCLE_REASONS)
    if stage == Stage.DISQUALIFIED:
        return rng.choice(DISQUALIFY_REASONS)
    return "", ""


def transition_reason(rng: random.Random, stage: str, step: int, decided: str = "") -> str:
    """A transition's words (``transition_rejection`` without the code)."""
    return transition_rejection(rng, stage, step, decided)[1]
