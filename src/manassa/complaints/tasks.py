"""Background work of cases: the tracking link e-mailed to a reporter without an account."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task


@task()
def case_tracking_email_send(case_id: int, token: str, language: str) -> str:
    """Send the tracking link once; the token itself is stored only as a hash, so this is its one copy."""
    from manassa.complaints.models import Case

    case = Case.objects.filter(pk=case_id).only("reference", "contact_email").first()
    if case is None or not case.contact_email:
        return "skipped"
    with override(language):
        link = settings.MANASSA_SITE_URL.rstrip("/") + reverse("complaints:track_link", kwargs={"token": token})
        subject = _("Your case %(reference)s") % {"reference": case.reference}
        body = _("We received your case %(reference)s. Follow it, answer the entity and rate the answer "
                 "with this private link (do not share it):\n\n%(link)s\n") % {"reference": case.reference,
                                                                                 "link": link}
    send_mail(subject, body, None, [case.contact_email])
    return "sent"
