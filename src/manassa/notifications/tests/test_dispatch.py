"""From a domain event to deliveries: recipients, preferences, language, templates, the transaction."""

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from manassa.accounts.tests.factories import make_user
from manassa.applications.models import Notice
from manassa.applications.services import (
    application_answers_save,
    application_sla_sweep,
    application_start,
    application_submit,
    application_transition,
)
from manassa.core.errors import InvalidInput
from manassa.core.models import EventOutbox
from manassa.entities.models import Entity
from manassa.notifications.models import Delivery, DeliveryStatus, NotificationTemplate, TemplateStatus
from manassa.notifications.services import (
    delivery_attempt,
    install_defaults,
    template_draft_save,
    template_publish,
    template_revert,
)
from manassa.notifications.tests.conftest import submit, told


@pytest.fixture(autouse=True)
def _english():
    """URLs and messages in English (the default language is Arabic)."""
    with translation.override("en"):
        yield


def _customer(people, **fields):
    customer = people["customer"]
    for name, value in {"mobile": "+971501234567", "name_ar": "مريم", "name_en": "Maryam", **fields}.items():
        setattr(customer, name, value)
    customer.save()
    return customer


def test_submission_notifies_the_applicant_on_every_channel_in_their_language(people, service):
    customer = _customer(people, preferred_language="ar")
    application = submit(customer, service)
    deliveries = {d.channel: d for d in Delivery.objects.filter(recipient=customer)}
    assert set(deliveries) == {"in_app", "email", "sms"}
    assert all(d.language == "ar" and d.reference == application.reference for d in deliveries.values())
    email = deliveries["email"]
    assert email.subject == f"استلمنا طلبك {application.reference}"
    assert "عزيزي/عزيزتي مريم" in email.body and "تصريح بناء" in email.body and "الجهة أ" in email.body
    assert f"/ar/requests/{application.reference}/" in email.body
    # The in-portal notice is written in the transaction, in both languages for the page's language.
    notice = Notice.objects.get(user=customer, application=application)
    assert notice.message_ar == f"طلبك {application.reference}: مُقدَّم"
    assert notice.message_en == f"Your request {application.reference}: Submitted"
    assert deliveries["in_app"].status == DeliveryStatus.SENT
    # E-mail and SMS wait for a worker: one task each, pointing at its delivery.
    assert {d.status for d in (email, deliveries["sms"])} == {DeliveryStatus.PENDING}
    tasks = DBTaskResult.objects.filter(task_path="manassa.notifications.tasks.delivery_send")
    assert sorted(t.args_kwargs["args"][0] for t in tasks) == sorted([email.pk, deliveries["sms"].pk])


def test_an_english_speaker_gets_english_and_the_email_has_an_html_part(people, service):
    customer = _customer(people, preferred_language="en", notify_sms=False)
    application = submit(customer, service)
    email = Delivery.objects.get(recipient=customer, channel="email")
    assert email.language == "en" and email.subject == f"We received your request {application.reference}"
    assert "Dear Maryam" in email.body and "Building permit" in email.body and "/en/requests/" in email.body
    assert delivery_attempt(delivery_id=email.pk) == "sent"
    [message] = mail.outbox
    assert message.to == [customer.email] and message.subject == email.subject
    html, content_type = message.alternatives[0]
    assert content_type == "text/html" and '<html lang="en" dir="ltr">' in html
    assert message.extra_headers["Message-ID"] == f"<{email.key}@manassa.local>"
    # Sent is final: a second task for the same delivery sends nothing.
    assert delivery_attempt(delivery_id=email.pk) == "sent" and len(mail.outbox) == 1


def test_preferences_are_respected_and_the_portal_is_always_told(people, service):
    customer = _customer(people, notify_email=False, notify_sms=False)
    submit(customer, service)
    assert list(Delivery.objects.filter(recipient=customer).values_list("channel", flat=True)) == ["in_app"]
    no_mobile = _customer(people, mobile="", notify_email=True, notify_sms=True)
    submit(no_mobile, service)
    assert not Delivery.objects.filter(recipient=customer, channel="sms").exists()


def test_each_state_change_and_a_result_notify_the_applicant(people, service):
    customer = _customer(people, notify_sms=False)
    application = submit(customer, service)
    application_transition(actor=people["officer"], application=application, action="start_review")
    told()
    events = list(Delivery.objects.filter(recipient=customer, channel="email").order_by("id")
                  .values_list("event", flat=True))
    assert events == ["application.submitted", "application.state_changed"]
    assert Notice.objects.filter(user=customer, message_en__endswith=": In review").count() == 1


def test_a_missed_deadline_alerts_the_escalation_role_in_their_language(people, service):
    import time_machine

    supervisor = people["supervisor"]
    supervisor.preferred_language = "en"
    supervisor.save()
    application = submit(_customer(people), service)
    with time_machine.travel(application.state_due_at.timestamp() + 60, tick=False):
        assert application_sla_sweep() == 1
    told()
    staff = Delivery.objects.filter(event="application.sla_breached")
    assert {d.recipient_id for d in staff} == {supervisor.pk}
    email = staff.get(channel="email")
    assert email.subject == f"Overdue: request {application.reference}"
    assert f"/en/backoffice/queue/{application.reference}/" in email.body


@pytest.mark.django_db(transaction=True)
def test_a_change_that_rolls_back_leaves_no_delivery_no_task_no_notice(people, service):
    customer = _customer(people)
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(customer, service)
        assert Delivery.objects.count() == 3 and DBTaskResult.objects.count() == 2
        raise RuntimeError("the change fails after the notifications were enqueued")
    assert Delivery.objects.count() == 0 and DBTaskResult.objects.count() == 0 and Notice.objects.count() == 0
    assert not EventOutbox.objects.exists()
    submit(customer, service)
    assert Delivery.objects.count() == 3 and DBTaskResult.objects.filter(status="READY").count() == 2


def test_the_entity_override_wins_and_versions_are_kept(people, service, entity_a, entity_b):
    install_defaults()
    assert install_defaults() == 0  # idempotent
    texts = {"subject_ar": "طلبكم {reference} وصل", "subject_en": "Your request {reference} arrived",
             "body_ar": "شكراً {name}.", "body_en": "Thank you, {name}."}
    admin = people["admin"]
    first = template_publish(actor=admin, entity=entity_a, event="application.submitted", channel="email", texts=texts)
    second = template_publish(actor=admin, entity=entity_a, event="application.submitted", channel="email",
                              texts={**texts, "body_en": "Thanks again, {name}."})
    first.refresh_from_db()
    assert (first.version, first.status, second.version, second.status) == (1, "superseded", 2, "published")
    customer = _customer(people, preferred_language="en", notify_sms=False)
    submit(customer, service)
    email = Delivery.objects.get(recipient=customer, channel="email")
    assert email.body == "Thanks again, Maryam." and email.template_id == second.pk
    # Another entity keeps the platform's text.
    assert NotificationTemplate.objects.filter(entity=entity_b).count() == 0
    # A draft is not used until published; reverting goes back to the platform's text and keeps the versions.
    template_draft_save(actor=admin, entity=entity_a, event="application.submitted", channel="email",
                        texts={**texts, "body_en": "Draft"})
    template_revert(actor=admin, entity=entity_a, event="application.submitted", channel="email")
    assert list(NotificationTemplate.objects.filter(entity=entity_a).values_list("version", "status")) == [
        (2, "superseded"), (1, "superseded")]
    submit(customer, service)
    latest = Delivery.objects.filter(recipient=customer, channel="email").latest("id")
    assert latest.body.startswith("Dear Maryam") and latest.template.entity_id is None


def test_an_unknown_placeholder_is_refused_with_an_author_error(people, entity_a):
    with pytest.raises(InvalidInput) as refused:
        template_publish(actor=people["admin"], entity=entity_a, event="application.submitted", channel="sms",
                         texts={"body_ar": "طلبك {reference}", "body_en": "Request {ref} {user.password}"})
    assert refused.value.fields == {"body_en": ["Unknown placeholder {ref}.", "Unknown placeholder {user.password}."]}
    assert not NotificationTemplate.objects.filter(status=TemplateStatus.PUBLISHED, entity=entity_a).exists()
    assert Entity.objects.get(pk=entity_a.pk)  # nothing else changed


def test_cases_notify_their_reporter_and_escalate_to_supervisors_then_the_digital_office(people, entity_a):
    from manassa.complaints import services as cases
    from manassa.complaints.tests.factories import make_category
    from manassa.core import events

    customer = _customer(people, preferred_language="en")
    submitted = cases.case_submit(actor=customer, kind="complaint", description="Broken street light",
                                  category=make_category(entity=entity_a, code="A-LIGHTS"))
    told()
    case = submitted.case
    mine = Delivery.objects.filter(recipient=customer, reference=case.reference)
    assert {d.channel for d in mine.filter(event="case.created")} == {"in_app", "email", "sms"}
    email = mine.get(event="case.created", channel="email")
    assert email.subject == f"We received your case {case.reference}" and f"/en/feedback/cases/{case.reference}/" \
        in email.body
    cases.case_transition(actor=people["officer"], case=case, action="acknowledge")
    told()
    update = mine.get(event="case.state_changed", channel="email")
    assert update.subject == f"Update on your case {case.reference}: Acknowledged"
    assert Notice.objects.filter(user=customer, message_en=f"Your case {case.reference}: Acknowledged").exists()
    # Escalation: level 1 to the entity's supervisors, level 2 to the Digital Office's administrators.
    with transaction.atomic():
        events.emit(events.DomainEvent(kind="case.escalated", entity_code="ENT-A", subject=case, data={"level": 1}))
        events.emit(events.DomainEvent(kind="case.escalated", entity_code="ENT-A", subject=case, data={"level": 2}))
    told()
    first = Delivery.objects.filter(event="case.escalated", channel="in_app")
    assert set(first.values_list("recipient__email", flat=True)) == {"supervisor@example.test",
                                                                     "do_admin@example.test"}
    staff_email = Delivery.objects.get(event="case.escalated", channel="email", recipient=people["supervisor"])
    assert f"/backoffice/cases/{case.reference}/" in staff_email.body
    # An anonymous report: no account, so no message beyond the tracking link.
    anonymous = cases.case_submit(actor=None, kind="suggestion", description="More shade in the park",
                                  category=make_category(entity=entity_a, code="A-PARKS")).case
    told()
    assert not Delivery.objects.filter(reference=anonymous.reference).exists()


def test_the_change_waits_for_nobody_and_the_outbox_tells_once(people, service):
    """The submission writes one outbox row, no delivery; dispatching tells once, a second dispatch nothing."""
    customer = _customer(people)
    application = application_start(actor=customer, service=service)
    application_answers_save(actor=customer, application=application, answers={"full_name": "Maryam"})
    application_submit(actor=customer, application=application)
    assert EventOutbox.objects.count() == 1 and not Delivery.objects.exists()
    assert told() == 1 and told() == 0
    assert Delivery.objects.count() == 3 and not EventOutbox.objects.exists()


def test_a_failing_subscriber_keeps_the_event_and_rolls_back_its_writes(people, service, monkeypatch):
    from manassa.core import events

    calls = []

    def broken(event):
        calls.append(event.id)
        raise RuntimeError("subscriber bug")

    events.subscribe("application.", broken, deferred=True)
    try:
        submit(_customer(people), service)
        row = EventOutbox.objects.get()
        assert row.attempts == 1 and "subscriber bug" in row.last_error and row.next_attempt_at is not None
        # The notifications written before the failing subscriber ran were rolled back with it.
        assert not Delivery.objects.exists()
        assert told() == 0  # not due yet
    finally:
        events.unsubscribe("application.", broken)
    EventOutbox.objects.update(next_attempt_at=None)
    assert told() == 1 and Delivery.objects.count() == 3 and len(calls) == 1


def test_one_failing_event_in_a_batch_does_not_hold_back_the_others(people, service):
    from manassa.core import events

    first = application_start(actor=_customer(people), service=service)
    application_answers_save(actor=first.applicant, application=first, answers={"full_name": "Maryam"})
    first = application_submit(actor=first.applicant, application=first)
    other_person = make_user("other@example.test", preferred_language="en")
    second = application_start(actor=other_person, service=service)
    application_answers_save(actor=other_person, application=second, answers={"full_name": "Sara"})
    second = application_submit(actor=other_person, application=second)

    def broken_for_the_first(event):
        if event.subject.pk == first.pk:
            raise RuntimeError("subscriber bug")

    events.subscribe("application.", broken_for_the_first, deferred=True)
    try:
        assert told() == 1
    finally:
        events.unsubscribe("application.", broken_for_the_first)
    assert EventOutbox.objects.get().subject_id == str(first.pk)
    assert not Delivery.objects.filter(application=first).exists()
    assert Delivery.objects.filter(application=second).exists()
