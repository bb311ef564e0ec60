from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "manassa.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from manassa.core import events
        from manassa.surveys.services import survey_invitations_on_completion

        events.subscribe("application.state_changed", survey_invitations_on_completion)
