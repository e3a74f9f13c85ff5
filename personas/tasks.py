"""Celery tasks of the personas app: ids in, then a service call."""
