app_name = "journeys"

# The journey map and the content library count leads and their events, which this app may
# not read (personas <- journeys <- leads): their pages live in ``leads.content.urls``.
urlpatterns: list = []
