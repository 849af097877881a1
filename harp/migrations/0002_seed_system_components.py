from django.db import migrations

COMPONENTS = ["HARP", "QSEP", "iQIES", "MFT"]


def seed(apps, schema_editor):
    SystemComponent = apps.get_model("harp", "SystemComponent")
    for position, name in enumerate(COMPONENTS, start=1):
        SystemComponent.objects.get_or_create(
            name=name, defaults={"position": position}
        )


def unseed(apps, schema_editor):
    SystemComponent = apps.get_model("harp", "SystemComponent")
    SystemComponent.objects.filter(name__in=COMPONENTS, message="").delete()


class Migration(migrations.Migration):
    dependencies = [("harp", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
