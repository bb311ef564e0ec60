"""``{% issued_documents_of application as documents %}``: the documents issued for a request, for its
applicant's request page (the applications app renders that page; this app knows its documents)."""

from django import template

from manassa.certificates.selectors import documents_of_application

register = template.Library()


@register.simple_tag(takes_context=True)
def issued_documents_of(context, application):
    request = context.get("request")
    user = getattr(request, "user", None)
    if application is None or user is None or not user.is_authenticated:
        return []
    return documents_of_application(user, application)
