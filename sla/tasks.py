"""Celery tasks of the sla app: ids in, then a service call."""
