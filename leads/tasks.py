"""Celery tasks of the leads app: ids in, then a service call."""
