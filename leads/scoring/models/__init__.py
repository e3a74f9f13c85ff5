"""The scoring engine's tables: model versions and rules, qualification criteria, runs and the
score history."""

from leads.scoring.models.history import HISTORY_DAYS, ScoreHistory
from leads.scoring.models.qualification import (
    MQL_FIELDS,
    SQL_CHECKLIST_ITEMS,
    QualificationCondition,
    QualificationCriteria,
)
from leads.scoring.models.runs import LabRun, RunStatus, ScoringRun, ScoringRunChunk
from leads.scoring.models.versions import (
    EngagementRule,
    FitGroup,
    FitRule,
    ScoringModel,
    VersionStatus,
)

__all__ = [
    "HISTORY_DAYS",
    "MQL_FIELDS",
    "SQL_CHECKLIST_ITEMS",
    "EngagementRule",
    "FitGroup",
    "FitRule",
    "LabRun",
    "QualificationCondition",
    "QualificationCriteria",
    "RunStatus",
    "ScoreHistory",
    "ScoringModel",
    "ScoringRun",
    "ScoringRunChunk",
    "VersionStatus",
]
