"""API routes of the scoring engine (models, rules, criteria), under /api/scoring/."""

urlpatterns: list = []
