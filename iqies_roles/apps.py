from django.apps import AppConfig


class IqiesRolesConfig(AppConfig):
    name = "iqies_roles"
    verbose_name = "Organizations and roles"

    def ready(self) -> None:
        from harp.selectors import profile_section_register
        from iqies_roles.profile import roles_section

        profile_section_register(roles_section)
