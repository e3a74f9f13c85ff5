"""Reads of the personas app: querysets ready for pages and the API."""
