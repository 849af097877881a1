from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from harp.encryption import EncryptedCharField, EncryptedDateField


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key in FIELD_ENCRYPTION_KEY, "
        "so that older keys can then be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_models():
            fields = [
                field.name
                for field in model._meta.get_fields()
                if isinstance(field, EncryptedCharField | EncryptedDateField)
            ]
            if not fields:
                continue
            count = 0
            # Reading decrypts with any key; saving encrypts with the first.
            for pk in model._default_manager.values_list("pk", flat=True).iterator():
                with transaction.atomic():
                    row = model._default_manager.select_for_update().get(pk=pk)
                    row.save(update_fields=fields)
                count += 1
            self.stdout.write(f"{model._meta.label}: re-encrypted {count} row(s)")
