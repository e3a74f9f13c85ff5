from django.db import migrations


def create_roles(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from smarketing.roles import roles_sync

    # Permissions are normally created after all migrations have run; create them now so
    # the groups can be given theirs in this same migration.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    roles_sync(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def delete_roles(apps, schema_editor):
    from smarketing.roles import Role

    apps.get_model("auth", "Group").objects.filter(name__in=[role.value for role in Role]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
