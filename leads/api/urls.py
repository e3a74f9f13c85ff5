"""API routes of the leads app, mounted under /api/."""

urlpatterns: list = []
