"""The service owner's structured editor. It parses; services.py validates and saves."""


from django import forms
from django.utils.translation import gettext_lazy as _

from manassa.catalog.models import Audience, Channel, LifeEvent, Sector
from manassa.core.money import money_parse, money_plain


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("،", ",").splitlines() if line.strip()]


def _words(text: str) -> list[str]:
    parts = (text or "").replace("،", ",").replace("\n", ",").split(",")
    return [part.strip() for part in parts if part.strip()]


# Inputs for one language's text say so, for screen readers and for the text direction.
_AR = {"lang": "ar", "dir": "rtl"}
_EN = {"lang": "en", "dir": "ltr"}


class ServiceForm(forms.Form):
    code = forms.CharField(label=_("Service code"), max_length=40, required=False,
                           widget=forms.TextInput(attrs={"dir": "ltr"}),
                           help_text=_("Capital letters, digits and hyphens, starting with your entity's code."))
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=200, widget=forms.TextInput(attrs=_AR))
    name_en = forms.CharField(label=_("Name in English"), max_length=200, widget=forms.TextInput(attrs=_EN))
    description_ar = forms.CharField(label=_("Description in Arabic"), widget=forms.Textarea(attrs={"rows": 3, **_AR}))
    description_en = forms.CharField(label=_("Description in English"), widget=forms.Textarea(attrs={"rows": 3, **_EN}),
                                     required=False)
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.all(), to_field_name="code")
    life_events = forms.ModelMultipleChoiceField(label=_("Life events"), queryset=LifeEvent.objects.all(),
                                                 to_field_name="code", required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    audience = forms.MultipleChoiceField(label=_("Who can use it"), choices=Audience.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text=_("Leave all unticked when everyone can."))
    channels = forms.MultipleChoiceField(label=_("Channels"), choices=Channel.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    fee = forms.CharField(label=_("Fee in dirhams"), required=False, max_length=16,
                          help_text=_("For example 150.00. Leave empty when the service is free or the fee varies."))
    fee_note_ar = forms.CharField(label=_("How the fee is worked out (Arabic)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2, **_AR}))
    fee_note_en = forms.CharField(label=_("How the fee is worked out (English)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2, **_EN}))
    sla_days = forms.IntegerField(label=_("Working days to complete"), min_value=0, max_value=365,
                                  help_text=_("0 when the service is instant."))
    requirements_ar = forms.CharField(label=_("Requirements in Arabic"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4, **_AR}), help_text=_("One per line."))
    requirements_en = forms.CharField(label=_("Requirements in English"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4, **_EN}),
                                      help_text=_("One per line, in the same order as the Arabic."))
    keywords_ar = forms.CharField(label=_("Other words people use (Arabic)"), required=False,
                                  widget=forms.TextInput(attrs=_AR), help_text=_("Separated by commas."))
    keywords_en = forms.CharField(label=_("Other words people use (English)"), required=False,
                                  widget=forms.TextInput(attrs=_EN), help_text=_("Separated by commas."))

    def clean_fee(self):
        text = self.cleaned_data["fee"].strip()
        if not text:
            return None
        try:
            return money_parse(text)
        except ValueError:
            raise forms.ValidationError(_("Enter an amount such as 150.00.")) from None

    def clean(self):
        data = super().clean()
        ar, en = _lines(data.get("requirements_ar", "")), _lines(data.get("requirements_en", ""))
        if en and len(en) != len(ar):
            self.add_error("requirements_en", _("Give the same number of requirements in both languages."))
        return data

    def revision_data(self) -> dict:
        data = self.cleaned_data
        ar, en = _lines(data["requirements_ar"]), _lines(data["requirements_en"])
        return {
            "name_ar": data["name_ar"].strip(), "name_en": data["name_en"].strip(),
            "description_ar": data["description_ar"].strip(), "description_en": data["description_en"].strip(),
            "keywords_ar": _words(data["keywords_ar"]), "keywords_en": _words(data["keywords_en"]),
            "audience": list(data["audience"]), "channels": list(data["channels"]),
            "fee_amount": data["fee"], "fee_currency": "AED",
            "fee_note_ar": data["fee_note_ar"].strip(), "fee_note_en": data["fee_note_en"].strip(),
            "sla_days": data["sla_days"],
            "requirements": [{"ar": a, "en": en[i] if i < len(en) else ""} for i, a in enumerate(ar)],
            "sector": data["sector"].code,
            "life_events": sorted(event.code for event in data["life_events"]),
        }

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        fee = data.get("fee_amount")
        return {
            **{k: data.get(k, "") for k in ("name_ar", "name_en", "description_ar", "description_en",
                                            "fee_note_ar", "fee_note_en", "sla_days")},
            "sector": data.get("sector"), "life_events": data.get("life_events", []),
            "audience": data.get("audience", []), "channels": data.get("channels", []),
            "fee": money_plain(fee),
            "requirements_ar": "\n".join(r.get("ar", "") for r in data.get("requirements", [])),
            "requirements_en": "\n".join(r.get("en", "") for r in data.get("requirements", [])),
            "keywords_ar": ", ".join(data.get("keywords_ar", [])),
            "keywords_en": ", ".join(data.get("keywords_en", [])),
        }


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Comment for the entity"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when you return the change."))


class SynonymForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=[("ar", _("Arabic")), ("en", _("English"))])
    terms = forms.CharField(
        label=_("Words and phrases that mean the same"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, or separated by commas. A search for any of them also finds the others."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def clean_terms(self):
        return _words(self.cleaned_data["terms"])
