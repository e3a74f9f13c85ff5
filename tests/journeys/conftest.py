"""What the journey and content tests share: uploaded files kept out of the worktree, and
small builders for assets and their stages and personas."""

from __future__ import annotations

import pytest

from journeys.models import ContentAsset, ContentKind, ContentStatus, JourneyStage
from personas.models import Persona

# The first bytes of a real PDF, enough for its type to be recognised.
PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
# A Windows program: what a renamed ``setup.exe`` starts with.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stage(key: str) -> JourneyStage:
    return JourneyStage.objects.get(key=key)


def persona(name: str) -> Persona:
    return Persona.objects.get_or_create(name=name)[0]


def asset(
    title: str = "Battle card",
    *,
    kind: str = ContentKind.BATTLE_CARD,
    status: str = ContentStatus.LIVE,
    stages: tuple[str, ...] = (),
    personas: tuple[str, ...] = (),
    link: str = "https://docs.example.com/card",
    **fields,
) -> ContentAsset:
    created = ContentAsset.objects.create(
        title=title, kind=kind, status=status, link=link, **fields
    )
    created.stages.set([stage(key) for key in stages])
    created.personas.set([persona(name) for name in personas])
    return created
