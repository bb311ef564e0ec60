from django import forms
from django.utils.translation import gettext_lazy as _


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
