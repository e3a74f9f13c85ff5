"""Reads of the journeys app: querysets ready for pages and the API."""
