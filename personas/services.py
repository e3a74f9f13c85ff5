"""Writes of the personas app: workflows across models, each atomic."""
