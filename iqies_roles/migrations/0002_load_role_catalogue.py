from django.db import migrations

from iqies_roles.catalogue import CATALOGUE, catalogue_load


def load(apps, schema_editor):
    catalogue_load(apps.get_model("iqies_roles", "Role"))


def unload(apps, schema_editor):
    apps.get_model("iqies_roles", "Role").objects.filter(
        code__in=[row[0] for row in CATALOGUE], requests__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("iqies_roles", "0001_organizations_roles_requests")]

    operations = [migrations.RunPython(load, unload)]
