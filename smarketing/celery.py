"""The Celery application: configured from Django settings (the ``CELERY_`` namespace)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")

app = Celery("smarketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py, and those of the sub-packages an app grew into.
app.autodiscover_tasks()
app.autodiscover_tasks(["leads.imports", "leads.scoring"])
app.autodiscover_tasks(["leads.scoring"], related_name="lab")
