"""Reads of the sla app: querysets ready for pages and the API."""
