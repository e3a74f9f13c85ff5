"""The glossary's in-app form: the fields of a term an admin writes, checked by the service."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from leads.glossary.models import GlossaryTerm
from leads.glossary.services import (
    GENERATED_WRITTEN_FIELDS,
    WRITTEN_FIELDS,
    GeneratedTermRefused,
    glossary_term_save,
)


class GlossaryTermForm(forms.Form):
    """A term's written fields (a generated term's note only). ``save`` calls the service and
    turns its refusals into the form's errors."""

    def __init__(self, *args, term: GlossaryTerm | None = None, **kwargs) -> None:
        self.term = term
        names = (
            GENERATED_WRITTEN_FIELDS if term is not None and term.is_generated else WRITTEN_FIELDS
        )
        initial = forms.model_to_dict(term, fields=names) if term is not None else {}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields.update(forms.fields_for_model(GlossaryTerm, fields=names))
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3

    def save(self, *, actor) -> GlossaryTerm | None:
        """The saved term, or None with the refusals added to the form."""
        try:
            return glossary_term_save(term=self.term, actor=actor, changes=self.cleaned_data)
        except GeneratedTermRefused as refusal:
            self.add_error(None, str(refusal))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return None
