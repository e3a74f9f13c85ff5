"""``{% term %}``: a metric label linked to its glossary entry, its sentence as the title.

The labels are read once per request (one query, ``glossary_labels``) however many a page
shows; a page rendered without a request reads them once per render."""

from __future__ import annotations

import logging

from django import template
from django.utils.html import format_html

from leads.glossary.selectors import Label, glossary_labels

register = template.Library()
logger = logging.getLogger(__name__)

_KEY = "_glossary_labels"


def _labels(context) -> dict[str, Label]:
    request = context.get("request")
    holder = request if request is not None else context.render_context
    if isinstance(holder, template.context.RenderContext):
        if _KEY not in holder:
            holder[_KEY] = glossary_labels()
        return holder[_KEY]
    if not hasattr(holder, _KEY):
        setattr(holder, _KEY, glossary_labels())
    return getattr(holder, _KEY)


@register.simple_tag(takes_context=True)
def term(context, slug, label=None) -> str:
    """``{% term "mql" %}`` → ``<a href="/glossary/#mql" title="…">MQL</a>``;
    ``{% term column.stage.value column.stage.label %}`` shows its own label. A slug the
    glossary does not hold (a term deleted, a stage not scored) shows the label alone."""
    found = _labels(context).get(str(slug or ""))
    if found is None:
        if slug:
            logger.info("No glossary term %r to link.", slug)
        return format_html("{}", label if label is not None else slug)
    return format_html(
        '<a class="sm-term" href="{}" title="{}" data-term="{}">{}</a>',
        found.url,
        found.title,
        found.slug,
        label if label is not None else found.name,
    )
