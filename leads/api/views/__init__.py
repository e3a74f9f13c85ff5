"""API views of the leads app, by resource: leads, their touches and notes, companies and
behaviour events. Each view validates with an input serializer, calls the same service as the
pages, and answers with an output serializer."""

from leads.api.views.activity import LeadNotesView, LeadTouchesView
from leads.api.views.companies import CompanyDetailView, CompanyListView
from leads.api.views.events import EventBatchView, EventCreateView
from leads.api.views.leads import LeadDetailView, LeadListView, LeadStageView, LeadTimelineView
from leads.api.views.privacy import LeadEraseView, LeadExportView

__all__ = [
    "CompanyDetailView",
    "CompanyListView",
    "EventBatchView",
    "EventCreateView",
    "LeadDetailView",
    "LeadEraseView",
    "LeadExportView",
    "LeadListView",
    "LeadNotesView",
    "LeadStageView",
    "LeadTimelineView",
    "LeadTouchesView",
]
