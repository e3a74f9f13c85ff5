"""Writes of the journeys app: workflows across models, each atomic."""
