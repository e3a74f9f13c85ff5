"""API serializers of the leads app, by resource: one input serializer per write, one output
serializer per shape returned. Input serializers validate, reading the database where they
must (once per batch, not once per item); the views hand what they validated to the services,
which write."""

from leads.api.serializers.activity import (
    NoteInputSerializer,
    NoteOutputSerializer,
    TimelineItemOutputSerializer,
    TouchInputSerializer,
    TouchOutputSerializer,
)
from leads.api.serializers.common import (
    ENTRY_STAGES,
    ChannelField,
    CompanySummarySerializer,
    EntryStageField,
    StageField,
    UserSummarySerializer,
)
from leads.api.serializers.companies import (
    CompanyInputSerializer,
    CompanyOutputSerializer,
    CompanyReferenceField,
    CompanyReferenceSerializer,
)
from leads.api.serializers.events import (
    EVENT_BATCH_LIMIT,
    EventBatchErrorSerializer,
    EventBatchInputSerializer,
    EventBatchOutputSerializer,
    EventInputSerializer,
    EventItemsField,
    EventOutputSerializer,
    by_index,
    event_from_form,
)
from leads.api.serializers.leads import (
    LatestSourceSerializer,
    LeadCreateInputSerializer,
    LeadOutputSerializer,
    LeadScoresSerializer,
    LeadSourcesSerializer,
    LeadUpdateInputSerializer,
    OriginalSourceSerializer,
    SqlChecklistSerializer,
    StageChangeInputSerializer,
    StageChangeOutputSerializer,
    TransitionOutputSerializer,
)

__all__ = [
    "ENTRY_STAGES",
    "EVENT_BATCH_LIMIT",
    "ChannelField",
    "CompanyInputSerializer",
    "CompanyOutputSerializer",
    "CompanyReferenceField",
    "CompanyReferenceSerializer",
    "CompanySummarySerializer",
    "EntryStageField",
    "EventBatchErrorSerializer",
    "EventBatchInputSerializer",
    "EventBatchOutputSerializer",
    "EventInputSerializer",
    "EventItemsField",
    "EventOutputSerializer",
    "LatestSourceSerializer",
    "LeadCreateInputSerializer",
    "LeadOutputSerializer",
    "LeadScoresSerializer",
    "LeadSourcesSerializer",
    "LeadUpdateInputSerializer",
    "NoteInputSerializer",
    "NoteOutputSerializer",
    "OriginalSourceSerializer",
    "SqlChecklistSerializer",
    "StageChangeInputSerializer",
    "StageChangeOutputSerializer",
    "StageField",
    "TimelineItemOutputSerializer",
    "TouchInputSerializer",
    "TouchOutputSerializer",
    "TransitionOutputSerializer",
    "UserSummarySerializer",
    "by_index",
    "event_from_form",
]
