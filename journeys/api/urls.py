"""API routes of the journeys app, mounted under /api/."""

urlpatterns: list = []
