import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from leads.scoring.models import EngagementRule, FitGroup, FitRule, ScoringModel
from leads.scoring.services import (
    scoring_model_activate,
    scoring_model_clone,
    scoring_model_create,
    scoring_model_default,
    scoring_model_problems,
)
from tests.leads.scoring.helpers import make_model

pytestmark = pytest.mark.django_db


def fit_rule_errors(attribute, operator, value, position=3) -> dict[str, list[str]]:
    model = scoring_model_create(name="Draft")
    rule = FitRule(
        model=model,
        attribute=attribute,
        operator=operator,
        value=value,
        points=5,
        position=position,
    )
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("attribute", "operator", "value", "field", "message"),
    [
        ("company.employee_count", "gte", "many", "value",
         "Rule 3 (company.employee_count ≥): the value must be a number, not 'many'."),
        ("company.revenue", "equals", "x", "attribute",
         "Rule 3 (company.revenue equals): unknown attribute 'company.revenue'."),
        ("job_title", "gte", 5, "operator",
         "Rule 3 (job_title ≥): ≥ does not apply to a text attribute; use one of: equals, "
         "is one of, contains, starts with, is set, is empty."),
        ("seniority", "contains", "v", "operator",
         "Rule 3 (seniority contains): contains does not apply to a choice attribute; use one "
         "of: equals, is one of, is set, is empty."),
        ("seniority", "equals", "king", "value",
         "Rule 3 (seniority equals): 'king' is not a choice of seniority (choices: c_level, "
         "director, entry, manager, owner, senior, vp)."),
        ("seniority", "one_of", [], "value",
         "Rule 3 (seniority is one of): the value must be a non-empty list, not []."),
        ("seniority", "one_of", ["vp", "pope"], "value",
         "Rule 3 (seniority is one of): 'pope' is not a choice of seniority (choices: c_level, "
         "director, entry, manager, owner, senior, vp)."),
        ("company.employee_count", "one_of", [1, "two"], "value",
         "Rule 3 (company.employee_count is one of): each value must be a number, not 'two'."),
        ("company.employee_count", "between", [500, 50], "value",
         "Rule 3 (company.employee_count between): the low end 500 is above the high end 50."),
        ("company.employee_count", "between", [1], "value",
         "Rule 3 (company.employee_count between): the value must be a list of two numbers "
         "[low, high], not [1]."),
        ("company.employee_count", "lte", True, "value",
         "Rule 3 (company.employee_count ≤): the value must be a number, not True."),
        ("job_title", "contains", 7, "value",
         "Rule 3 (job_title contains): the value must be non-empty text, not 7."),
        ("job_title", "starts_with", None, "value", "Rule 3 (job_title starts with): needs a value."),
        ("phone", "is_set", "yes", "value", "Rule 3 (phone is set): takes no value, not 'yes'."),
    ],
)  # fmt: skip
def test_a_fit_rule_is_refused_with_a_message_naming_it_and_why(
    attribute, operator, value, field, message
):
    assert message in fit_rule_errors(attribute, operator, value)[field]


def test_valid_fit_rules_pass():
    model = scoring_model_create(name="Draft")
    for attribute, operator, value in [
        ("company.employee_count", "between", [50, 50]),
        ("company.employee_count", "gte", 10.5),
        ("seniority", "one_of", ["vp", "c_level"]),
        ("job_title", "one_of", ["CTO", "CMO"]),
        ("phone", "is_empty", None),
    ]:
        FitRule(
            model=model, attribute=attribute, operator=operator, value=value, points=-3
        ).full_clean()


def test_a_rule_in_another_models_group_is_refused():
    model, other = scoring_model_create(name="A"), scoring_model_create(name="B")
    group = FitGroup.objects.create(model=other, name="role")
    rule = FitRule(
        model=model, group=group, attribute="phone", operator="is_set", points=1, position=2
    )
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert caught.value.message_dict == {
        "group": ["Rule 2 (phone is set): the group belongs to another scoring model."]
    }


def engagement_errors(**fields) -> dict[str, list[str]]:
    model = scoring_model_create(name="Draft")
    rule = EngagementRule(
        model=model, position=4, points=5, **{"event_type": "page_view", **fields}
    )
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    return caught.value.message_dict


def test_an_unknown_event_type_is_refused():
    errors = engagement_errors(event_type="tweet")
    assert "Rule 4 (tweet): unknown event type 'tweet'." in errors["event_type"]


def test_a_property_filter_needs_its_key_operator_and_value_together():
    assert engagement_errors(property_key="url", property_operator="contains") == {
        "property_key": [
            "Rule 4 (page_view): a property filter needs a key, an operator and a value "
            "together; missing: value."
        ]
    }


def test_a_property_key_with_the_lookup_separator_is_refused():
    errors = engagement_errors(property_key="a__b", property_operator="equals", property_value="x")
    assert errors["property_key"][0].startswith("Rule 4 (page_view): the property key 'a__b'")


@pytest.mark.parametrize("field", ["half_life_days", "window_days", "cap"])
def test_half_life_window_and_cap_must_be_positive(field):
    what = {"half_life_days": "the half-life", "window_days": "the window", "cap": "the cap"}[field]
    assert engagement_errors(**{field: 0}) == {
        field: [f"Rule 4 (page_view): {what} must be a positive number, not 0."]
    }


def test_overlapping_bands_are_refused_with_the_thresholds_named():
    model = ScoringModel(
        name="Bad", version=99, hot_threshold=30, warm_threshold=30,
        fit_a=10, fit_b=20, fit_c=5, engagement_1=40, engagement_2=20, engagement_3=20,
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        model.full_clean()
    assert caught.value.message_dict == {
        "hot_threshold": ["The temperature bands overlap: hot from 30 must be above warm from 30."],
        "fit_a": [
            "The fit grades overlap: A from 10, B from 20, C from 5 must decrease strictly (A > B > C)."
        ],
        "engagement_1": [
            "The engagement grades overlap: 1 from 40, 2 from 20, 3 from 20 must decrease "
            "strictly (1 > 2 > 3)."
        ],
    }


def test_versions_are_numbered_in_order():
    first, second = scoring_model_create(name="A"), scoring_model_create(name="B")
    assert second.version == first.version + 1


def test_activation_keeps_exactly_one_active_and_records_who_and_when(admin_user, marketer):
    first, second = make_model(), make_model()
    scoring_model_activate(model=first, actor=admin_user)
    scoring_model_activate(model=second, actor=marketer)
    first.refresh_from_db()
    assert list(ScoringModel.objects.active()) == [second]
    assert (second.activated_by, first.activated_by, first.status) == (
        marketer,
        admin_user,
        "archived",
    )
    assert first.activated_at <= first.archived_at == second.activated_at
    assert list(ScoringModel.objects.in_force_at(first.activated_at)) == [first]
    assert list(ScoringModel.objects.in_force_at(second.activated_at)) == [second]


def test_only_a_draft_can_be_activated(admin_user):
    model = make_model()
    scoring_model_activate(model=model, actor=admin_user)
    with pytest.raises(ValidationError, match="Only a draft can be activated"):
        scoring_model_activate(model=model, actor=admin_user)


def test_the_database_refuses_a_second_active_version():
    first, second = make_model(), make_model()
    ScoringModel.objects.filter(pk=first.pk).update(status="active")
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoringModel.objects.filter(pk=second.pk).update(status="active")


def test_a_model_with_an_invalid_rule_is_not_activated(admin_user):
    model = make_model(fit=[("company.employee_count", "gte", "many", 5)])
    with pytest.raises(ValidationError) as caught:
        scoring_model_activate(model=model, actor=admin_user)
    assert caught.value.messages == [
        "Rule 1 (company.employee_count ≥): the value must be a number, not 'many'."
    ]
    model.refresh_from_db()
    assert model.status == "draft"


def test_clone_copies_every_group_and_rule_into_a_new_draft(admin_user, marketer):
    original = scoring_model_default(actor=admin_user)
    scoring_model_activate(model=original, actor=admin_user)
    copy = scoring_model_clone(model=original, actor=marketer)
    assert (copy.status, copy.created_by, copy.version) == ("draft", marketer, original.version + 1)
    assert copy.overall_cap == original.overall_cap

    def rules(model):
        return (
            sorted(model.fit_groups.values_list("name", "cap")),
            list(model.fit_rules.values_list("group__name", "attribute", "operator", "value", "points", "position")),
            list(model.engagement_rules.values_list(
                "event_type", "property_key", "property_operator", "property_value", "points",
                "half_life_days", "window_days", "cap", "position",
            )),
        )  # fmt: skip

    assert rules(copy) == rules(original)
    assert len(rules(copy)[1]) == original.fit_rules.count() > 0


def test_the_starter_model_is_a_valid_draft():
    model = scoring_model_default()
    assert model.status == "draft"
    assert scoring_model_problems(model) == []
    assert {rule.event_type for rule in model.engagement_rules.all()} >= {
        "pricing_page_view", "demo_request", "content_download", "webinar_attended",
        "email_click", "unsubscribe", "email_bounce", "page_view",
    }  # fmt: skip
