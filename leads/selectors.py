"""Reads of the leads app: querysets ready for pages and the API."""
