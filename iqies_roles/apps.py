from django.apps import AppConfig


class IqiesRolesConfig(AppConfig):
    name = "iqies_roles"
    verbose_name = "Organizations and roles"

    def ready(self) -> None:
        from harp.selectors import profile_section_register
        from iqies_roles.profile import roles_section

        profile_section_register(roles_section)
        from harp.dashboard import audience_choices_register, audience_provider_register
        from iqies_roles.audiences import role_audience_choices, role_audiences

        audience_provider_register(role_audiences)
        audience_choices_register(role_audience_choices)
