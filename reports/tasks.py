"""Celery tasks of the reports app: ids in, then a service call."""
