from django import forms
from django.utils.translation import gettext_lazy as _

from manassa.entities.models import ApiKeyRole, ApiKeyScope


class EntityProfileForm(forms.Form):
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("Contact e-mail"), required=False)
    phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    address_ar = forms.CharField(label=_("Address in Arabic"), max_length=300, required=False)
    address_en = forms.CharField(label=_("Address in English"), max_length=300, required=False)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Key name"), max_length=100,
                           help_text=_("Which system uses it, for example: licensing system"))
    # Not required: left out, a key reads only, and acts (if given write access later) as an officer.
    role = forms.ChoiceField(label=_("Acts as"), choices=ApiKeyRole.choices, initial=ApiKeyRole.OFFICER,
                             required=False, help_text=_("The workflow role the system's actions are taken in"))
    scope = forms.ChoiceField(label=_("Access"), choices=ApiKeyScope.choices, initial=ApiKeyScope.READ,
                              required=False)

    def clean_role(self):
        return self.cleaned_data.get("role") or ApiKeyRole.OFFICER

    def clean_scope(self):
        return self.cleaned_data.get("scope") or ApiKeyScope.READ
