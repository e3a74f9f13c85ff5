"""Writes of the leads app: workflows across models, each atomic."""
