"""Reads of the journeys app: querysets ready for pages and the API.

The tables here stay small (five stages, a few questions each, hundreds of assets), so a page
reads them in a fixed number of queries: the stages with their questions prefetched, one page
of assets with their stages and personas prefetched.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from journeys.models import ContentAsset, ContentStatus, JourneyQuestion, JourneyStage

PERSONA_CONTENT_LIMIT = 8


def stages_with_questions() -> QuerySet[JourneyStage]:
    return JourneyStage.objects.prefetch_related(
        Prefetch("questions", queryset=JourneyQuestion.objects.order_by("position", "id"))
    )


def content_assets() -> QuerySet[ContentAsset]:
    """Assets with their owner joined and their stages and personas prefetched."""
    return ContentAsset.objects.select_related("owner").prefetch_related("stages", "personas")


def live_content(*, stage: JourneyStage | None = None, persona=None) -> QuerySet[ContentAsset]:
    """Live assets, for ``stage`` and ``persona`` when given, newest first."""
    assets = ContentAsset.objects.filter(status=ContentStatus.LIVE)
    if stage is not None:
        assets = assets.filter(stages=stage)
    if persona is not None:
        assets = assets.filter(personas=persona)
    return assets.order_by("-updated_at", "-id")


def persona_content(persona, *, limit: int = PERSONA_CONTENT_LIMIT) -> tuple[list, bool]:
    """Up to ``limit`` live assets made for ``persona``, and whether there are more."""
    assets = list(live_content(persona=persona)[: limit + 1])
    return assets[:limit], len(assets) > limit
