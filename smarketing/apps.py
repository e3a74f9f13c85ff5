from django.apps import AppConfig, apps
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate

from smarketing.db import sqlite_functions_connect


def _roles_sync_after_migrate(sender, **kwargs) -> None:
    """Keep the role groups' permissions in step with the models after every ``migrate``.

    Django creates the permissions of new models in its own post_migrate handler, one app at a
    time, so this runs once, when the last app has had its turn.
    """
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not with_models[-1]:
        return
    from django.contrib.auth.models import Group, Permission

    from smarketing.roles import roles_sync

    roles_sync(Group, Permission)


class SmarketingConfig(AppConfig):
    name = "smarketing"
    verbose_name = "Smarketing"

    def ready(self) -> None:
        post_migrate.connect(_roles_sync_after_migrate, dispatch_uid="smarketing.roles_sync")
        sqlite_functions_connect()


class SmarketingAdminConfig(AdminConfig):
    default_site = "smarketing.admin.SmarketingAdminSite"
