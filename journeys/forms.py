"""Forms of the journeys app: they check the shape of the input; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from journeys.models import QUESTION_MAX_LENGTH, ContentAsset, JourneyStage
from journeys.uploads import ACCEPTED_LABEL
from personas.models import Persona
from smarketing.roles import MARKETING_ROLES, Role


def refusal_show(form: forms.BaseForm, refusal: ValidationError) -> None:
    """Put a service's refusal on ``form``: each message beside its field, or above the form."""
    by_field = refusal.message_dict if hasattr(refusal, "error_dict") else {None: refusal.messages}
    for field, messages in by_field.items():
        form.add_error(field if field in form.fields else None, messages)


def content_owner_candidates():
    """Who may own an asset: active marketers and admins."""
    names = [role.value for role in (*MARKETING_ROLES, Role.ADMIN)]
    return (
        User.objects.filter(is_active=True, groups__name__in=names).distinct().order_by("username")
    )


class ContentAssetForm(forms.ModelForm):
    link = forms.URLField(required=False, max_length=500, assume_scheme="https")
    stages = forms.ModelMultipleChoiceField(
        queryset=JourneyStage.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None: for every stage.",
    )
    personas = forms.ModelMultipleChoiceField(
        queryset=Persona.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None: for every persona.",
    )

    class Meta:
        model = ContentAsset
        fields = [
            "title",
            "summary",
            "kind",
            "status",
            "stages",
            "personas",
            "link",
            "file",
            "owner",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = content_owner_candidates()
        self.fields[
            "file"
        ].help_text = (
            f"{ACCEPTED_LABEL}; at most {filesizeformat(max_bytes)}. Or give a link instead."
        )
        self.fields["file"].widget = forms.FileInput()
        for name, field in self.fields.items():
            if name in ("stages", "personas"):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def _post_clean(self) -> None:
        # The service validates the asset (and the file by its content); the form only parses.
        pass

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        # Without a new upload the field cleans to the file the asset already has.
        upload = data.pop("file", None)
        return {
            "file": upload if isinstance(upload, UploadedFile) else None,
            "stages": data.pop("stages"),
            "personas": data.pop("personas"),
            **data,
        }


class QuestionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    position = forms.IntegerField(min_value=1, max_value=1000, required=False, label="Order")
    text = forms.CharField(max_length=QUESTION_MAX_LENGTH, required=False, label="Question")
    delete = forms.BooleanField(required=False, label="Delete")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].widget.attrs.update({"class": "form-control form-control-sm"})
        self.fields["text"].widget.attrs.update({"class": "form-control form-control-sm"})
        self.fields["delete"].widget.attrs.update({"class": "form-check-input"})


QuestionFormSet = forms.formset_factory(QuestionForm, extra=1, max_num=50, validate_max=True)
