from django import forms
from django.utils.translation import gettext_lazy as _

from manassa.accounts.models import Language
from manassa.catalog.models import LifeEvent, Sector


class ProfileForm(forms.Form):
    """Parses the profile page; the service validates identifiers and saves."""

    name_ar = forms.CharField(label=_("Full name in Arabic"), max_length=150, required=False)
    name_en = forms.CharField(label=_("Full name in English"), max_length=150, required=False)
    emirates_id = forms.CharField(
        label=_("Emirates ID"), max_length=24, required=False,
        help_text=_("15 digits, for example 784-1990-1234567-1"),
    )
    mobile = forms.CharField(label=_("Mobile number"), max_length=20, required=False,
                             help_text=_("For example 050 123 4567"))
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    interests = forms.ModelMultipleChoiceField(
        label=_("Interests"), queryset=Sector.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("We suggest services from the sectors you choose."),
    )
    life_events = forms.ModelMultipleChoiceField(
        label=_("Life events"), queryset=LifeEvent.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Moments you are going through, such as moving home: we show the services they need."),
    )
    notify_email = forms.BooleanField(label=_("E-mail"), required=False)
    notify_sms = forms.BooleanField(label=_("SMS"), required=False)
    notify_in_app = forms.BooleanField(label=_("In the portal"), required=False)
