from __future__ import annotations

import pytest

from personas.services import persona_create


@pytest.fixture
def make_persona(marketer):
    """``make_persona(name, **answers)``: a persona written by the marketer, as the pages do."""

    def make(name: str = "Marketing Mary", *, actor=None, **data):
        return persona_create(actor=actor or marketer, data={"name": name, **data})

    return make
