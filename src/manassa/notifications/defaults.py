"""The platform's default texts: one per event and channel, in both languages.

They are bilingual content, not interface text: ``install_defaults`` writes
them as version 1 of the platform's templates (``entity`` null), which the
Digital Office may edit like any other template; an entity overrides them
with its own. When the database has none (a fresh test database), these are
used as they are.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

IN_APP, EMAIL, SMS = "in_app", "email", "sms"

# Event kind → (title for the editor, who receives it).
EVENTS: dict[str, tuple] = {
    "application.submitted": (_("Request received"), "applicant"),
    "application.state_changed": (_("Status changed"), "applicant"),
    "application.document_added": (_("Document received from the applicant"), "applicant"),
    "application.result_added": (_("Result issued"), "applicant"),
    "application.sla_breached": (_("Deadline missed (to the escalation role)"), "escalation"),
    "document.issued": (_("Certificate issued"), "holder"),
    "document.revoked": (_("Certificate revoked"), "holder"),
    "case.created": (_("Case received (complaints and suggestions)"), "reporter"),
    "case.state_changed": (_("Case status changed"), "reporter"),
    "case.reminder": (_("Case deadline approaching (to the assignee)"), "case_assignee"),
    "case.escalated": (_("Case escalated (to the supervisors, then the Digital Office)"), "case_escalation"),
    "invoice.expiring": (_("Payment due soon (to the payer, a day before the invoice expires)"), "payer"),
}

_SIGN_AR = "\n\nمنصّة — البوابة الحكومية الموحّدة"
_SIGN_EN = "\n\nManassa — the unified government portal"


def _t(subject_ar, subject_en, body_ar, body_en):
    return {"subject_ar": subject_ar, "subject_en": subject_en, "body_ar": body_ar, "body_en": body_en}


DEFAULTS: dict[tuple[str, str], dict[str, str]] = {
    # Submitted
    ("application.submitted", IN_APP): _t("", "", "طلبك {reference}: {state}", "Your request {reference}: {state}"),
    ("application.submitted", EMAIL): _t(
        "استلمنا طلبك {reference}", "We received your request {reference}",
        "عزيزي/عزيزتي {name}،\n\nاستلمت {entity} طلبك لخدمة «{service}» برقم {reference}. الحالة الآن: {state}.\n"
        "تابع طلبك من هنا: {link}" + _SIGN_AR,
        "Dear {name},\n\n{entity} received your request for “{service}”, reference {reference}. "
        "Its status is now: {state}.\nFollow your request here: {link}" + _SIGN_EN),
    ("application.submitted", SMS): _t(
        "", "", "استلمنا طلبك {reference} ({service}). تابعه: {link}",
        "We received your request {reference} ({service}). Follow it: {link}"),
    # Status changed
    ("application.state_changed", IN_APP): _t("", "", "طلبك {reference}: {state}", "Your request {reference}: {state}"),
    ("application.state_changed", EMAIL): _t(
        "تحديث على طلبك {reference}: {state}", "Update on your request {reference}: {state}",
        "عزيزي/عزيزتي {name}،\n\nتغيّرت حالة طلبك {reference} لخدمة «{service}» لدى {entity} إلى: {state}.\n"
        "التفاصيل: {link}" + _SIGN_AR,
        "Dear {name},\n\nYour request {reference} for “{service}” with {entity} is now: {state}.\n"
        "Details: {link}" + _SIGN_EN),
    ("application.state_changed", SMS): _t(
        "", "", "طلبك {reference}: {state}. التفاصيل: {link}", "Your request {reference}: {state}. Details: {link}"),
    # A document the applicant added
    ("application.document_added", IN_APP): _t(
        "", "", "طلبك {reference}: استلمنا المستند الذي أضفته", "Your request {reference}: we received your document"),
    ("application.document_added", EMAIL): _t(
        "استلمنا مستندك لطلبك {reference}", "We received your document for request {reference}",
        "عزيزي/عزيزتي {name}،\n\nاستلمت {entity} المستند الذي أضفته إلى طلبك {reference}. {link}" + _SIGN_AR,
        "Dear {name},\n\n{entity} received the document you added to your request {reference}. {link}" + _SIGN_EN),
    ("application.document_added", SMS): _t(
        "", "", "استلمنا المستند الذي أضفته إلى طلبك {reference}.",
        "We received the document you added to your request {reference}."),
    # A result issued by the entity
    ("application.result_added", IN_APP): _t(
        "", "", "طلبك {reference}: صدر مستند", "Your request {reference}: a document was issued"),
    ("application.result_added", EMAIL): _t(
        "صدر مستند لطلبك {reference}", "A document was issued for your request {reference}",
        "عزيزي/عزيزتي {name}،\n\nأصدرت {entity} المستند «{document}» لطلبك {reference}. "
        "تجده في صفحة الطلب: {link}" + _SIGN_AR,
        "Dear {name},\n\n{entity} issued “{document}” for your request {reference}. "
        "You will find it on the request's page: {link}" + _SIGN_EN),
    ("application.result_added", SMS): _t(
        "", "", "صدر مستند لطلبك {reference}. {link}", "A document was issued for your request {reference}. {link}"),
    # Deadline missed: to the entity's escalation role
    ("application.sla_breached", IN_APP): _t(
        "", "", "متأخر: تجاوز الطلب {reference} موعد إنجازه.", "Overdue: request {reference} has passed its deadline."),
    ("application.sla_breached", EMAIL): _t(
        "متأخر: الطلب {reference}", "Overdue: request {reference}",
        "تجاوز الطلب {reference} لخدمة «{service}» موعد إنجاز خطوته الحالية ({state}).\n{link}" + _SIGN_AR,
        "Request {reference} for “{service}” has passed the deadline of its current step ({state}).\n{link}"
        + _SIGN_EN),
    ("application.sla_breached", SMS): _t(
        "", "", "متأخر: تجاوز الطلب {reference} موعد إنجازه.", "Overdue: request {reference} has passed its deadline."),
    # Certificates
    ("document.issued", IN_APP): _t(
        "", "", "صدرت الوثيقة «{document}» لطلبك {reference}", "“{document}” was issued for your request {reference}"),
    ("document.issued", EMAIL): _t(
        "صدرت الوثيقة «{document}»", "“{document}” was issued",
        "عزيزي/عزيزتي {name}،\n\nأصدرت {entity} الوثيقة «{document}» لطلبك {reference}. {link}" + _SIGN_AR,
        "Dear {name},\n\n{entity} issued “{document}” for your request {reference}. {link}" + _SIGN_EN),
    ("document.issued", SMS): _t(
        "", "", "صدرت الوثيقة «{document}» لطلبك {reference}. {link}",
        "“{document}” was issued for your request {reference}. {link}"),
    ("document.revoked", IN_APP): _t(
        "", "", "أُلغيت الوثيقة «{document}» لطلبك {reference}", "“{document}” of your request {reference} was revoked"),
    ("document.revoked", EMAIL): _t(
        "أُلغيت الوثيقة «{document}»", "“{document}” was revoked",
        "عزيزي/عزيزتي {name}،\n\nألغت {entity} الوثيقة «{document}» الصادرة لطلبك {reference}. {link}" + _SIGN_AR,
        "Dear {name},\n\n{entity} revoked “{document}”, issued for your request {reference}. {link}" + _SIGN_EN),
    ("document.revoked", SMS): _t(
        "", "", "أُلغيت الوثيقة «{document}» لطلبك {reference}.",
        "“{document}” of your request {reference} was revoked."),
    # Cases (complaints, suggestions, compliments, enquiries)
    ("case.created", IN_APP): _t("", "", "حالتك {reference}: {state}", "Your case {reference}: {state}"),
    ("case.created", EMAIL): _t(
        "استلمنا حالتك {reference}", "We received your case {reference}",
        "عزيزي/عزيزتي {name}،\n\nاستلمنا ما أرسلته برقم {reference}. الحالة الآن: {state}.\n"
        "تابعه من هنا: {link}" + _SIGN_AR,
        "Dear {name},\n\nWe received what you sent us, reference {reference}. Its status is now: {state}.\n"
        "Follow it here: {link}" + _SIGN_EN),
    ("case.created", SMS): _t("", "", "استلمنا حالتك {reference}. تابعها: {link}",
                              "We received your case {reference}. Follow it: {link}"),
    ("case.state_changed", IN_APP): _t("", "", "حالتك {reference}: {state}", "Your case {reference}: {state}"),
    ("case.state_changed", EMAIL): _t(
        "تحديث على حالتك {reference}: {state}", "Update on your case {reference}: {state}",
        "عزيزي/عزيزتي {name}،\n\nأصبحت حالتك {reference} لدى {entity}: {state}.\nالتفاصيل: {link}" + _SIGN_AR,
        "Dear {name},\n\nYour case {reference} with {entity} is now: {state}.\nDetails: {link}" + _SIGN_EN),
    ("case.state_changed", SMS): _t("", "", "حالتك {reference}: {state}. التفاصيل: {link}",
                                    "Your case {reference}: {state}. Details: {link}"),
    ("case.reminder", IN_APP): _t("", "", "اقترب موعد الحالة {reference}", "Case {reference} is nearly due"),
    ("case.reminder", EMAIL): _t(
        "اقترب موعد الحالة {reference}", "Case {reference} is nearly due",
        "يقترب الموعد المحدد للحالة {reference} لدى {entity}. الحالة الآن: {state}.\nافتحها: {link}" + _SIGN_AR,
        "The deadline of case {reference} with {entity} is near. Its status: {state}.\nOpen it: {link}" + _SIGN_EN),
    ("case.reminder", SMS): _t("", "", "اقترب موعد الحالة {reference}: {link}",
                               "Case {reference} is nearly due: {link}"),
    ("case.escalated", IN_APP): _t("", "", "تصعيد: تجاوزت الحالة {reference} موعدها",
                                   "Escalated: case {reference} has passed its deadline"),
    ("case.escalated", EMAIL): _t(
        "تصعيد: الحالة {reference}", "Escalated: case {reference}",
        "تجاوزت الحالة {reference} لدى {entity} موعدها المحدد وصُعّدت إليكم. الحالة الآن: {state}.\n"
        "افتحها: {link}" + _SIGN_AR,
        "Case {reference} with {entity} has passed its deadline and was escalated to you. Its status: {state}.\n"
        "Open it: {link}" + _SIGN_EN),
    ("case.escalated", SMS): _t("", "", "تصعيد: الحالة {reference}: {link}", "Escalated: case {reference}: {link}"),
    # An unpaid invoice, a day before it expires
    ("invoice.expiring", IN_APP): _t("", "", "تذكير: ادفع {amount} لـ {reference} قبل {due}",
                                     "Reminder: pay {amount} for {reference} before {due}"),
    ("invoice.expiring", EMAIL): _t(
        "تذكير بالدفع: {reference}", "Payment reminder: {reference}",
        "عزيزي/عزيزتي {name}،\n\nلم يُدفع بعدُ مبلغ {amount} المستحق لـ {entity} عن {reference}. "
        "يُرجى الدفع قبل {due}، وإلا انتهت صلاحية الفاتورة.\nادفع من هنا: {link}" + _SIGN_AR,
        "Dear {name},\n\n{amount} due to {entity} for {reference} has not been paid yet. Please pay before {due}, "
        "or the invoice expires.\nPay here: {link}" + _SIGN_EN),
    ("invoice.expiring", SMS): _t("", "", "تذكير: ادفع {amount} لـ {reference} قبل {due}: {link}",
                                  "Reminder: pay {amount} for {reference} before {due}: {link}"),
}
