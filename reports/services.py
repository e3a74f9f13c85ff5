"""Writes of the reports app: workflows across models, each atomic."""
