from django.urls import include, path

from leads import views

app_name = "leads"

urlpatterns = [
    path("pipeline/", views.board, name="board"),
    path("pipeline/<str:stage>/more/", views.board_column, name="board_column"),
    path("leads/", views.lead_list, name="list"),
    path("leads/bulk/", views.bulk_action, name="bulk"),
    path("leads/<int:pk>/", views.detail, name="detail"),
    path("leads/<int:pk>/move/", views.move, name="move"),
    path("leads/<int:pk>/score/", views.score, name="score"),
    path(
        "leads/<int:pk>/transitions/<int:transition_pk>/why/",
        views.transition_why,
        name="transition_why",
    ),
    path("leads/<int:pk>/checklist/", views.sql_checklist, name="sql_checklist"),
    path("leads/<int:pk>/activity/", views.activity, name="activity"),
    path("leads/<int:pk>/touches/", views.log_touch, name="log_touch"),
    path("leads/<int:pk>/notes/", views.add_note, name="add_note"),
    path("leads/<int:pk>/privacy/export/", views.privacy_export, name="privacy_export"),
    path("leads/<int:pk>/privacy/erase/", views.privacy_erase, name="privacy_erase"),
    path("leads/<int:pk>/persona-journey/", views.persona_journey, name="persona_journey"),
    path("companies/<int:pk>/", views.company, name="company"),
    path("queue/", views.queue, name="queue"),
    path("queue/<int:pk>/accept/", views.queue_accept, name="queue_accept"),
    path("queue/<int:pk>/reject/", views.queue_reject, name="queue_reject"),
    path("queue/<int:pk>/touch/", views.queue_touch, name="queue_touch"),
    path("queue/<int:pk>/assign/", views.queue_assign, name="queue_assign"),
    path("queue/due/", views.queue_due, name="queue_due"),
    path("leads/import/", include("leads.imports.urls")),
]
