"""API views of the scoring engine: a lead's score, its explanation and history; the scoring
models with their groups and rules; the qualification criteria; the rescores of every lead; the scoring lab's suggestions.
Everyone reads; only the admin role writes, and only drafts are changed (a scheduled, active
or archived version answers 409)."""

from leads.scoring.api.views.criteria import *  # noqa: F403
from leads.scoring.api.views.lab import *  # noqa: F403
from leads.scoring.api.views.models import *  # noqa: F403
from leads.scoring.api.views.runs import *  # noqa: F403
from leads.scoring.api.views.scores import *  # noqa: F403
