"""API routes of the sla app, mounted under /api/."""

urlpatterns: list = []
