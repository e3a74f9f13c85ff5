"""Pages of the scoring engine: the scoring lab and the progress of rescores."""

app_name = "scoring"

urlpatterns: list = []
