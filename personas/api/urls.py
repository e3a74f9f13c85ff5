"""API routes of the personas app, mounted under /api/."""

urlpatterns: list = []
