"""Writes of the sla app: workflows across models, each atomic."""
