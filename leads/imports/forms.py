"""Forms of lead imports: the upload, and the column mapping with the mode."""

from __future__ import annotations

from django import forms

from leads.imports.models import ImportJob
from leads.imports.parsing import FIELD_LABELS
from leads.imports.services import mapping_problems

IGNORE = ""


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        # The import explains an empty file in its own words.
        allow_empty_file=True,
        help_text="UTF-8 or Latin-1, separated by commas or semicolons; the first row names the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "class": "form-control"}),
    )


class MappingForm(forms.Form):
    """One choice per column of the file (``column_0``, ``column_1``…) and the mode."""

    mode = forms.ChoiceField(
        choices=ImportJob.Mode.choices,
        widget=forms.RadioSelect,
        initial=ImportJob.Mode.VALID_ROWS,
        label="If some rows are bad",
    )

    def __init__(self, *args, job: ImportJob, **kwargs) -> None:
        initial = {f"column_{index}": name for index, name in enumerate(job.mapping)}
        initial["mode"] = job.mode
        super().__init__(*args, initial=initial, **kwargs)
        self.job = job
        choices = [(IGNORE, "— ignore —"), *FIELD_LABELS.items()]
        for index, header in enumerate(job.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=header or f"Column {index + 1}",
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(len(self.job.headers))]

    def clean(self) -> dict:
        cleaned = super().clean()
        mapping = [cleaned.get(f"column_{index}", IGNORE) for index in range(len(self.job.headers))]
        for problem in mapping_problems(mapping):
            self.add_error(None, problem)
        cleaned["mapping"] = mapping
        return cleaned
