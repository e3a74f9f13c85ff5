"""The glossary through the API, under /api/glossary/."""
