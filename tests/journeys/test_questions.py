"""The diagnostic questions of each journey stage: seeded from the journey article, and edited
by marketing and admins on their stage's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from journeys.models import JourneyQuestion
from tests.journeys.conftest import stage

pytestmark = pytest.mark.django_db


def test_every_stage_has_the_five_questions_of_the_article():
    by_stage = {
        key: list(stage(key).questions.values_list("text", flat=True))
        for key in ("awareness", "consideration", "decision", "purchase", "retention")
    }
    assert all(len(questions) == 5 for questions in by_stage.values())
    assert by_stage["awareness"][0] == "What challenges are they currently facing?"
    assert by_stage["retention"][-1] == (
        "How likely are they to recommend our product/service to others?"
    )


def _formset(questions, extra=("", "")):
    data = {"questions-TOTAL_FORMS": len(questions) + 1, "questions-INITIAL_FORMS": len(questions)}
    for index, (question_id, position, text, delete) in enumerate(
        [*questions, (None, *extra, False)]
    ):
        data.update({f"questions-{index}-position": position, f"questions-{index}-text": text})
        if question_id:
            data[f"questions-{index}-id"] = question_id
        if delete:
            data[f"questions-{index}-delete"] = "on"
    return data


def test_a_marketer_rewords_reorders_deletes_and_adds_questions(client_for, marketer):
    decision = stage("decision")
    first, second, *rest = decision.questions.order_by("position")
    rows = [
        (first.pk, 2, "Which factors weigh most in their decision?", False),
        (second.pk, 1, second.text, False),
        *[
            (question.pk, question.position, question.text, index == 0)
            for index, question in enumerate(rest)
        ],
    ]
    data = _formset(rows, extra=(9, "Who else signs off?"))
    response = client_for(marketer).post(
        reverse("content:stage_questions", args=["decision"]), data
    )
    assert response.status_code == 302
    texts = list(decision.questions.order_by("position", "id").values_list("text", flat=True))
    assert texts[:2] == [second.text, "Which factors weigh most in their decision?"]
    assert rest[0].text not in texts
    assert texts[-1] == "Who else signs off?"
    assert len(texts) == 5


def test_a_rep_may_read_the_questions_but_not_edit_them(client_for, rep):
    client = client_for(rep)
    assert client.get(reverse("content:journey_map")).status_code == 200
    response = client.post(reverse("content:stage_questions", args=["awareness"]), _formset([]))
    assert response.status_code == 403
    assert stage("awareness").questions.count() == 5


def test_a_question_of_another_stage_is_refused_and_nothing_changes(client_for, marketer):
    other = JourneyQuestion.objects.filter(stage__key="retention").first()
    data = _formset([(other.pk, 1, "Hijacked", False)])
    response = client_for(marketer).post(
        reverse("content:stage_questions", args=["awareness"]), data, follow=True
    )
    assert "is not one of Awareness" in response.content.decode()
    other.refresh_from_db()
    assert other.text != "Hijacked"
