"""Pipeline admins (with staff status) see and delete login lockouts in Django's admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ("view_accessattempt", "delete_accessattempt")


def grant(apps, schema_editor):
    axes = apps.get_app_config("axes")
    axes.models_module = True  # permissions are normally created after migrate; create them now
    create_permissions(axes, apps=apps, verbosity=0)
    axes.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins, _ = Group.objects.get_or_create(name="Pipeline admins")
    admins.permissions.add(*Permission.objects.filter(content_type__app_label="axes", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for admins in Group.objects.filter(name="Pipeline admins"):
        admins.permissions.remove(*Permission.objects.filter(content_type__app_label="axes", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("ordersite", "0001_roles"), ("axes", "0010_accessattemptexpiration")]
    operations = [migrations.RunPython(grant, revoke)]
