"""Reads of the reports app: querysets ready for pages and the API."""
