"""Forms of the reports app: a report's period, filters and options; the meeting's record and
its action items."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from leads.models import Campaign, Channel
from personas.models import Persona
from reports.filters import Filters, Period
from reports.meeting import people
from reports.models import ActionItem, Meeting
from reports.selectors import Options, Report, report_tables
from reports.tables import Table
from sla.models import Team


def _styled(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        widget.attrs.setdefault(
            "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
        )


class MeetingRecordForm(forms.ModelForm):
    attendees = forms.ModelMultipleChoiceField(
        queryset=people(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Meeting
        fields = ["attendees", "notes", "decisions"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people()
        self.fields["attendees"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        _styled(self)


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["text", "owner", "due_on"]
        labels = {"text": "Action", "owner": "Owner", "due_on": "Due"}
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()
        self.fields["owner"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        _styled(self)


# The longest period a report reads at once: two years.
PERIOD_DAYS_MAX = 731
LEAD_FILTERS = ("channel", "campaign", "persona", "team", "owner")


class ReportForm(forms.Form):
    """A report's period, filters and options, from the page's query string or the API's
    parameters; a bad value is a message beside its field, never an error page."""

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(
        label="Source", required=False, choices=[("", "Any source"), *Channel.choices]
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"), required=False, empty_label="Any campaign"
    )
    persona = forms.ModelChoiceField(
        queryset=Persona.objects.order_by("name"), required=False, empty_label="Any persona"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="Any team"
    )
    owner = forms.ModelChoiceField(
        queryset=people(), required=False, empty_label="Any owner", label="Owner"
    )
    by = forms.ChoiceField(required=False, label="Group by")
    model = forms.ChoiceField(required=False, label="Attribution model")

    def __init__(self, params, *, report, today):
        self.report = report
        self.today = today
        self.default_end = today
        self.default_start = today - timedelta(days=report.default_days - 1)
        # The period shown in the fields is the one read, also when the address names none.
        params = params.copy()
        for name, default in (("start", self.default_start), ("end", self.default_end)):
            if not params.get(name):
                params[name] = default.isoformat()
        super().__init__(params)
        self.fields["owner"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        for name, offered in (("by", report.groupings), ("model", report.models)):
            if offered:
                self.fields[name].choices = list(offered.items())
            else:
                del self.fields[name]
        if not report.dated:
            del self.fields["start"], self.fields["end"]
        if not report.filtered:
            for name in LEAD_FILTERS:
                del self.fields[name]
        _styled(self)

    def clean(self):
        data = super().clean()
        if not self.report.dated or "start" not in data or "end" not in data:
            return data
        start, end = data["start"] or self.default_start, data["end"] or self.default_end
        if start > end:
            self.add_error("end", "The end cannot be before the start.")
        elif (end - start).days + 1 > PERIOD_DAYS_MAX:
            self.add_error("start", f"A report covers at most {PERIOD_DAYS_MAX} days.")
        data["start"], data["end"] = start, end
        return data

    def period(self) -> Period:
        """The period asked for (the last ``default_days`` for a report without one)."""
        data = self.cleaned_data
        if not self.report.dated:
            return Period.days(self.default_start, self.default_end)
        return Period.days(data["start"], data["end"])

    def filters(self) -> Filters:
        data = self.cleaned_data
        if not self.report.filtered:
            return Filters()
        return Filters(
            channels=(data["channel"],) if data.get("channel") else (),
            campaign_id=data["campaign"].pk if data.get("campaign") else None,
            persona_id=data["persona"].pk if data.get("persona") else None,
            team_id=data["team"].pk if data.get("team") else None,
            owner_id=data["owner"].pk if data.get("owner") else None,
        )

    def options(self) -> Options:
        data = self.cleaned_data
        return Options(
            by=data.get("by") or next(iter(self.report.groupings or {"": ""})),
            model=data.get("model") or next(iter(self.report.models or {"": ""})),
        )


def report_read(report: Report, params) -> tuple[ReportForm, list[Table]]:
    """The report's form and, when its parameters hold, its tables: the page, its CSV and the
    API read a report through here."""
    form = ReportForm(params, report=report, today=timezone.localdate())
    if not form.is_valid():
        return form, []
    return form, report_tables(
        report, form.period(), form.filters(), form.options(), timezone.now()
    )
