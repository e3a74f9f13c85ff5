"""The scoring lab's suggestions at scale: learned for the active model from the MQLs of the
history's first four months and checked on its last two, computed in a process of its own (as a
worker computes them) whose time and peak memory are measured."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys

from django.db import connections
from django.utils import timezone

from bench.pages import Figures
from bench.scoring import ROOT, active_model
from leads.scoring.models import LabRun, RunStatus

GOAL_SECONDS = 60
GOAL_MB = 2048
# The child process: Django set up as the bench's own, the run computed, and its figures on
# standard output. Its resident memory before the run is Django, numpy and scikit-learn loaded.
CHILD = """
import json, resource, sys, time
import django
django.setup()
import sklearn.linear_model  # noqa: F401 - loaded before the baseline is read
from leads.scoring.lab import lab_run_execute
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
lab_run_execute(run_id=int(sys.argv[1]))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak, "before_kb": before}))
"""


def measure_suggestions(figures: Figures) -> None:
    model = active_model()
    today = timezone.localdate()
    parameters = {
        "fit_from": (today - datetime.timedelta(days=180)).isoformat(),
        "split": (today - datetime.timedelta(days=60)).isoformat(),
        "later_to": today.isoformat(),
        "days": 60,
    }
    run = LabRun.objects.create(kind=LabRun.Kind.SUGGESTIONS, model=model, parameters=parameters)
    connections.close_all()
    finished = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", CHILD, str(run.pk)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    measured = json.loads(finished.stdout.strip().splitlines()[-1])
    run.refresh_from_db()
    if run.status != RunStatus.DONE:
        raise RuntimeError(f"The suggestions failed: {run.error}")
    result = run.result
    if result["refusal"]:
        raise RuntimeError(f"The suggestions were refused: {result['refusal']}")
    seconds, peak = measured["seconds"], measured["peak_kb"] / 1024
    figures.add("suggestions_closed_leads", result["closed"], "leads (MQLs with a known outcome)")
    figures.add("suggestions_fitted_leads", result["sampled"], "leads (the sample)")
    figures.add("suggestions_later_closed_leads", result["later"].get("closed", 0), "leads")
    figures.add("suggestions_seconds", seconds, "s")
    figures.add(
        "suggestions_peak_memory", peak, "MB (the process, Django and scikit-learn included)"
    )
    figures.add(
        "suggestions_memory_before", measured["before_kb"] / 1024, "MB (loaded, before the run)"
    )
    offered = sum(item["offered"] for item in result["rules"])
    figures.add("suggestions_rule_changes", offered, f"of {len(result['rules'])} rules")
    figures.add("suggestions_new_rules", len(result["new_rules"]), "")
    figures.add("suggestions_rejection_patterns", len(result["patterns"]["found"]), "")
    later = result["later"]
    if "auc_now" in later:
        for name in ("auc_now", "auc_suggested"):
            figures.add(f"suggestions_later_{name}", f"{later[name] or 0.0:.3f}", "")
    figures.add(
        "goal_suggestions_seconds",
        "met" if seconds < GOAL_SECONDS else "MISSED",
        f"(< {GOAL_SECONDS} s)",
    )
    figures.add(
        "goal_suggestions_memory", "met" if peak < GOAL_MB else "MISSED", f"(< {GOAL_MB} MB)"
    )
