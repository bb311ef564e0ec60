from django import forms
from django.utils.translation import gettext_lazy as _

from manassa.notifications.models import DeliveryStatus


def _text(label, *, lang: str, rows: int | None = None, required: bool = False):
    # "literal": what the author typed is data (placeholders in braces included), not interface text.
    attrs = {"lang": lang, "dir": "rtl" if lang == "ar" else "ltr", "class": "literal"}
    if rows:
        return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={**attrs, "rows": rows}))
    return forms.CharField(label=label, required=required, widget=forms.TextInput(attrs=attrs))


class TemplateForm(forms.Form):
    """The texts of one event on one channel; the service checks them (placeholders, lengths)."""

    subject_ar = _text(_("Subject (Arabic)"), lang="ar")
    subject_en = _text(_("Subject (English)"), lang="en")
    body_ar = _text(_("Text (Arabic)"), lang="ar", rows=6)
    body_en = _text(_("Text (English)"), lang="en", rows=6)

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        if channel != "email":
            del self.fields["subject_ar"], self.fields["subject_en"]


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All"))] + list(DeliveryStatus.choices))
