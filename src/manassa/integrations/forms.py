from django import forms
from django.utils.translation import gettext_lazy as _

from manassa.integrations.models import EVENT_KINDS, DeliveryStatus


class EndpointForm(forms.Form):
    url = forms.URLField(label=_("Address (URL)"), max_length=500, assume_scheme="https",
                         help_text=_("Where the platform sends the events: an address of your system that "
                                     "starts with https://"))
    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    events = forms.MultipleChoiceField(label=_("Events"), choices=list(EVENT_KINDS.items()),
                                       widget=forms.CheckboxSelectMultiple)


class EndpointEditForm(EndpointForm):
    is_active = forms.BooleanField(label=_("Active (events are sent)"), required=False)


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *DeliveryStatus.choices])
    endpoint = forms.TypedChoiceField(label=_("Endpoint"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, endpoints=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [("", _("Every endpoint")),
                                           *((e.pk, e.description or e.url) for e in endpoints)]
