"""Forms of lead imports: the upload, and the import's options (the column mapping, what each
value of a choice column becomes, the stages, the order of dates) with the mode."""

from __future__ import annotations

from django import forms

from leads.imports.models import ImportJob
from leads.imports.parsing import FIELD_LABELS, ImportOptions, Owners
from leads.imports.preview import ChoiceColumn, ColumnValue, choice_columns
from leads.imports.services import mapping_problems

IGNORE = ""
DAY_FIRST_CHOICES = (
    ("0", "Month first (03/05/2024 is March 5, as US exports write it)"),
    ("1", "Day first (03/05/2024 is 3 May)"),
)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file or Excel workbook",
        # The import explains an empty file in its own words.
        allow_empty_file=True,
        help_text=(
            "A CSV file (UTF-8 or Latin-1, separated by commas or semicolons) or an Excel "
            "workbook (.xlsx; its first sheet is read). The first row names the columns."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,text/csv,.xlsx,.xls,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "class": "form-control",
            }
        ),
    )


def value_field_name(column: ChoiceColumn, key: str) -> str:
    return f"value__{column.field}__{key}"


class MappingForm(forms.Form):
    """One choice per column of the file (``column_0``, ``column_1``…), one per listed value of
    each choice column (``value__stage__other``…), the stages, the order of dates and the mode.

    The values listed depend on the columns mapped, so a posted form lists the values of the
    mapping it posts; a value it does not post (a column mapped just now) keeps what the job or
    the recognition says."""

    stages = forms.ChoiceField(
        choices=ImportJob.Stages.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="Lifecycle stages",
    )
    day_first = forms.TypedChoiceField(
        choices=DAY_FIRST_CHOICES,
        coerce=lambda value: value == "1",
        label="Dates written 03/05/2024 are",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    mode = forms.ChoiceField(
        choices=ImportJob.Mode.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="If some rows have problems",
    )

    def __init__(self, data=None, *, job: ImportJob, owners: Owners) -> None:
        self.job, self.owners = job, owners
        width = len(job.headers)
        if data is None:
            mapping = list(job.mapping)
            keep_stages = job.stages == ImportJob.Stages.KEEP
        else:
            mapping = [
                name if (name := data.get(f"column_{index}", "")) in FIELD_LABELS else IGNORE
                for index in range(width)
            ]
            keep_stages = data.get("stages", job.stages) == ImportJob.Stages.KEEP
        options = ImportOptions(
            mapping=mapping, values=dict(job.value_mapping), keep_stages=keep_stages
        )
        self.choice_columns = choice_columns(job, options, owners)
        initial: dict[str, object] = {
            f"column_{index}": name for index, name in enumerate(job.mapping)
        }
        initial |= {
            "mode": job.mode,
            "stages": job.stages,
            "day_first": "1" if job.day_first else "0",
        }
        for column in self.choice_columns:
            for value in column.values:
                initial[value_field_name(column, value.key)] = value.target
        if data is not None:
            data = data.copy()
            # What the page did not post (a value of a column mapped just now, the order of
            # dates when no date column is shown) keeps its current choice.
            for name, value in initial.items():
                if not name.startswith("column_") and name not in data:
                    data[name] = value
        super().__init__(data, initial=initial)
        choices = [(IGNORE, "— ignore —"), *FIELD_LABELS.items()]
        for index, header in enumerate(job.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=header or f"Column {index + 1}",
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
        for column in self.choice_columns:
            for value in column.values:
                self.fields[value_field_name(column, value.key)] = forms.ChoiceField(
                    choices=column.options,
                    required=False,
                    label=value.spelling,
                    widget=forms.Select(
                        attrs={
                            "class": "form-select form-select-sm",
                            "aria-label": f"{column.header}: {value.spelling} becomes",
                        }
                    ),
                )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(len(self.job.headers))]

    def value_tables(self) -> list[tuple[ChoiceColumn, list[tuple[ColumnValue, forms.BoundField]]]]:
        """Each choice column with its listed values and their selects, for the template."""
        return [
            (
                column,
                [(value, self[value_field_name(column, value.key)]) for value in column.values],
            )
            for column in self.choice_columns
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        mapping = [cleaned.get(f"column_{index}", IGNORE) for index in range(len(self.job.headers))]
        for problem in mapping_problems(mapping):
            self.add_error(None, problem)
        values: dict[str, dict[str, str]] = {}
        for column in self.choice_columns:
            for value in column.values:
                chosen = cleaned.get(value_field_name(column, value.key), value.target)
                values.setdefault(column.field, {})[value.key] = chosen
        cleaned["options"] = ImportOptions(
            mapping=mapping,
            values=values,
            keep_stages=cleaned.get("stages", self.job.stages) == ImportJob.Stages.KEEP,
            day_first=bool(cleaned.get("day_first", self.job.day_first)),
        )
        cleaned["mapping"] = mapping
        return cleaned

    def options(self) -> ImportOptions:
        """The options as posted (whatever problems the form has), or the job's own."""
        if not self.is_bound:
            return ImportOptions.of(self.job)
        self.is_valid()
        return self.cleaned_data["options"]
