"""Celery tasks of the journeys app: ids in, then a service call."""
