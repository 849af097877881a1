"""Module bodies are cleaned to an allow-list whenever they are written; this
cleans the bodies written before that rule, so the module page can render every
body as HTML."""

from typing import Any

from django.db import migrations, models


def sanitise_module_bodies(apps: Any, schema_editor: Any) -> None:
    from qsep.module_html import module_body_sanitise

    Module = apps.get_model("qsep", "Module")
    for module in Module.objects.only("pk", "body").iterator(chunk_size=500):
        cleaned = module_body_sanitise(module.body)
        if cleaned != module.body:
            Module.objects.filter(pk=module.pk).update(body=cleaned)


class Migration(migrations.Migration):
    dependencies = [
        ("qsep", "0002_certification_review_permission"),
    ]

    operations = [
        migrations.AlterField(
            model_name="module",
            name="body",
            field=models.TextField(
                help_text="The module's text in HTML: headings from h2, paragraphs, "
                "lists, links, emphasis, tables, images over https, figures, "
                "quotations and code. Anything else (scripts, frames, styles, event "
                "handlers) is removed when the module is saved."
            ),
        ),
        # Cleaning cannot be undone; going back leaves the cleaned bodies.
        migrations.RunPython(sanitise_module_bodies, migrations.RunPython.noop),
    ]
