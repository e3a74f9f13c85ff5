"""How the API picks the form of its answer: JSON, whatever the client's ``Accept`` says."""

from __future__ import annotations

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class JSONWhateverTheAccept(DefaultContentNegotiation):
    """The view's renderer the client asks for, or else its first one (JSON for the API).

    A browser opening an API URL asks for ``text/html``; it gets the JSON a client would
    (HTTP lets a server answer its default form rather than 406). The schema view keeps its
    choice of YAML or JSON, and the documentation pages their HTML."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            renderer = renderers[0]
            return renderer, renderer.media_type
