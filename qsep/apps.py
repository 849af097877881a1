from django.apps import AppConfig


class QsepConfig(AppConfig):
    name = "qsep"
    verbose_name = "QSEP training"

    def ready(self) -> None:
        from harp.selectors import profile_section_register
        from qsep.profile import training_section

        profile_section_register(training_section)
