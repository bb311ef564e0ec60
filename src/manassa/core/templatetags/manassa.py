from django import template
from django.utils.http import urlencode

register = template.Library()


@register.filter
def accessible(bound_field):
    """The field's widget, linked to its help text and errors for screen readers."""
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_error")
    attrs = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field) -> bool:
    return getattr(bound_field.field.widget, "input_type", None) == "checkbox" and not getattr(
        bound_field.field.widget, "allow_multiple_selected", False
    )


@register.filter
def is_multiple_choice(bound_field) -> bool:
    return getattr(bound_field.field.widget, "allow_multiple_selected", False) and getattr(
        bound_field.field.widget, "input_type", None
    ) in ("checkbox", "radio")


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for filters and pagination)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(sorted(params.lists()), doseq=True) if params else "?"


@register.filter
def money(amount, currency="AED"):
    from manassa.core.money import format_money

    if amount in (None, ""):
        return ""
    return format_money(int(amount), currency)


@register.filter
def field_value(value, field=""):
    """A stored field value as readable text: lists joined, bilingual items in the page's language, fils as money."""
    from manassa.core.i18n import pick
    from manassa.core.money import format_money

    if value in (None, "", [], {}):
        return "—"
    if field == "fee_amount":
        return format_money(int(value))
    labels = _code_labels(field)
    if labels:
        values = value if isinstance(value, list) else [value]
        return " · ".join(str(labels.get(v, v)) for v in values)
    if isinstance(value, list):
        return " · ".join(pick(item) if isinstance(item, dict) else str(item) for item in value)
    if isinstance(value, dict):
        return pick(value)
    return str(value)


def _code_labels(field: str) -> dict:
    """Readable names for the codes a service field stores (choices, sectors, life events, currencies)."""
    from manassa.catalog.models import Audience, Channel, LifeEvent, Sector, ServiceStatus
    from manassa.core.money import currency_label

    if field == "audience":
        return dict(Audience.choices)
    if field == "channels":
        return dict(Channel.choices)
    if field == "status":
        return dict(ServiceStatus.choices)
    if field == "sector":
        return {s.code: s.name for s in Sector.objects.all()}
    if field == "life_events":
        return {e.code: e.name for e in LifeEvent.objects.all()}
    if field == "fee_currency":
        return {code: currency_label(code) for code in ("AED", "USD", "SAR", "EUR")}
    return {}
