"""Building, publishing and answering surveys; invitations on completion; results and the CSV export."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from manassa.applications.services import (
    application_answers_save,
    application_start,
    application_submit,
    application_transition,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.audit.models import AuditEvent
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.core.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated
from manassa.surveys.models import Answer, Response, Survey, SurveyInvitation, SurveyStatus
from manassa.surveys.selectors import respondent_hash, survey_csv_lines, survey_results
from manassa.surveys.services import (
    AlreadyAnswered,
    SurveyClosed,
    survey_close,
    survey_create,
    survey_publish,
    survey_respond,
    survey_update,
)
from manassa.surveys.tests.factories import make_survey, survey_state

FORM = {"format": "manassa-form/1", "pages": [{"key": "p", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
    {"key": "full_name", "type": "text", "label": {"ar": "الاسم", "en": "Name"}, "required": True}]}]}


@pytest.fixture(autouse=True)
def _calendars(db):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)


@pytest.fixture
def admin(people):
    return people["admin"]


def _options(survey, position):
    return [str(o.pk) for o in survey.questions.get(position=position).options.all()]


def _answers(survey, *, single=0, multiple=(), scale="4", text=""):
    posted = {"q0": [_options(survey, 0)[single]], "q1": [_options(survey, 1)[i] for i in multiple], "q2": [scale]}
    if text:
        posted["q3"] = [text]
    return posted


# --- building ------------------------------------------------------------------------------------------

def test_create_checks_every_box_at_once(admin, entity_a):
    state = survey_state("Bad Code!", title_en="")
    state["questions"][0]["options"][1]["label_ar"] = ""
    state["questions"][2].update(scale_min="5", scale_max="3", max_label_en="")
    state["questions"].append({"kind": "nonsense", "text_ar": "س", "text_en": "Q"})
    state["opens_on"], state["closes_on"] = "2026-05-02", "2026-05-01"
    with pytest.raises(InvalidInput) as exc:
        survey_create(actor=admin, owner=entity_a, state=state)
    assert set(exc.value.fields) == {"code", "title_en", "q0-o1-label_ar", "q2-scale_max", "q2-max_label_en",
                                     "q4-kind", "closes_on"}
    assert not Survey.objects.exists()


def test_scale_bounds_and_reserved_codes(admin, entity_a):
    state = survey_state("mine")
    state["questions"][2].update(scale_min="0", scale_max="11")
    with pytest.raises(InvalidInput) as exc:
        survey_create(actor=admin, owner=entity_a, state=state)
    assert set(exc.value.fields) == {"code", "q2-scale_max"}


def test_services_must_be_the_owners_but_the_digital_office_may_attach_any(people, admin, entity_a, entity_b):
    sector = make_sector()
    make_service(entity=entity_a, sector=sector, code="A-ONE", name_ar="أ", name_en="A")
    make_service(entity=entity_b, sector=sector, code="B-ONE", name_ar="ب", name_en="B")
    with pytest.raises(InvalidInput) as exc:
        survey_create(actor=admin, owner=entity_a, state=survey_state(services=["A-ONE", "B-ONE"]))
    assert list(exc.value.fields) == ["services"]
    survey = survey_create(actor=admin, owner=entity_a, state=survey_state(services=["a-one"]))
    assert [s.code for s in survey.services.all()] == ["A-ONE"]
    do_survey = survey_create(actor=people["do_admin"], owner=None, state=survey_state("do-survey", services=["A-ONE",
                                                                                                      "B-ONE"]))
    assert do_survey.entity is None and do_survey.services.count() == 2


def test_only_owners_admins_create_and_change(people, admin, entity_a, entity_b):
    for user, owner in ((people["officer"], entity_a), (admin, entity_b), (admin, None),
                        (people["do_analyst"], None), (people["do_admin"], entity_a)):
        with pytest.raises(Forbidden):
            survey_create(actor=user, owner=owner, state=survey_state())
    survey = survey_create(actor=admin, owner=entity_a, state=survey_state())
    with pytest.raises(Forbidden):
        survey_update(actor=people["supervisor"], survey=survey, state=survey_state())
    assert AuditEvent.objects.filter(action="survey.created", object_id=str(survey.pk), entity_code="ENT-A").exists()


def test_update_rewrites_the_questions_of_a_draft_only(admin, entity_a):
    survey = make_survey(actor=admin, owner=entity_a, publish=False)
    state = survey_state(title_en="New title")
    state["questions"] = state["questions"][2:]
    survey = survey_update(actor=admin, survey=survey, state=state)
    assert survey.title_en == "New title"
    assert [q.kind for q in survey.questions.all()] == ["scale", "text"]
    assert [q.position for q in survey.questions.all()] == [0, 1]
    survey_publish(actor=admin, survey=survey)
    with pytest.raises(Conflict):
        survey_update(actor=admin, survey=survey, state=survey_state())


# --- publishing ------------------------------------------------------------------------------------------

def test_publish_rules(admin, entity_a):
    state = survey_state(by_link=False, questions=[])
    survey = survey_create(actor=admin, owner=entity_a, state=state)
    with pytest.raises(InvalidInput) as exc:
        survey_publish(actor=admin, survey=survey)
    problems = exc.value.fields["__all__"]
    assert len(problems) == 2  # no question; no link and no service
    one_option = survey_state(closes_on=str(timezone.localdate() - timedelta(days=1)), opens_on="2020-01-01")
    one_option["questions"][0]["options"] = one_option["questions"][0]["options"][:1]
    survey = survey_update(actor=admin, survey=survey, state=one_option)
    with pytest.raises(InvalidInput) as exc:
        survey_publish(actor=admin, survey=survey)
    assert len(exc.value.fields["__all__"]) == 2  # question 1 has one option; the closing day has passed
    survey = survey_update(actor=admin, survey=survey, state=survey_state())
    survey = survey_publish(actor=admin, survey=survey)
    assert survey.status == SurveyStatus.PUBLISHED and survey.published_at
    with pytest.raises(Conflict):
        survey_publish(actor=admin, survey=survey)
    survey = survey_close(actor=admin, survey=survey)
    assert survey.status == SurveyStatus.CLOSED
    with pytest.raises(Conflict):
        survey_close(actor=admin, survey=survey)
    actions = AuditEvent.objects.filter(object_id=str(survey.pk), object_type="surveys.survey").order_by("id")
    assert list(actions.values_list("action", flat=True)) == [
        "survey.created", "survey.updated", "survey.updated", "survey.published", "survey.closed"]


# --- answering once ------------------------------------------------------------------------------------

def test_validation_of_answers(admin, entity_a, customer):
    survey = make_survey(actor=admin, owner=entity_a)
    other = make_survey(actor=admin, owner=entity_a, code="other")
    with pytest.raises(InvalidInput) as exc:
        survey_respond(actor=customer, survey=survey, posted={
            "q0": _options(survey, 0), "q1": [_options(other, 1)[0]], "q2": ["9"], "q3": ["x" * 4001]})
    assert set(exc.value.fields) == {"q0", "q1", "q2", "q3"}
    with pytest.raises(InvalidInput) as exc:
        survey_respond(actor=customer, survey=survey, posted={})
    assert set(exc.value.fields) == {"q0", "q2"}  # the required ones
    assert not Response.objects.exists()


def test_once_per_signed_in_person_in_an_anonymous_survey_without_storing_who(admin, entity_a, customer):
    survey = make_survey(actor=admin, owner=entity_a)
    response = survey_respond(actor=customer, survey=survey, posted=_answers(survey, multiple=(0, 2), text="شكراً"))
    assert response.respondent is None and response.application is None
    assert response.respondent_hash == respondent_hash(survey, customer)
    with override_settings(SECRET_KEY="another-secret-key-for-the-test-0123456789"):
        assert respondent_hash(survey, customer) != response.respondent_hash  # keyed with the site's secret
    assert Answer.objects.filter(response=response).count() == 5  # one, two ticked, a number, a text
    with pytest.raises(AlreadyAnswered):
        survey_respond(actor=customer, survey=survey, posted=_answers(survey))
    # Nothing in the audit trail names the person for an anonymous survey.
    assert not AuditEvent.objects.filter(actor_id=customer.pk).exists()
    # The same person's hash differs from one survey to the next, so surveys cannot be matched.
    other = make_survey(actor=admin, owner=entity_a, code="other")
    assert respondent_hash(other, customer) != response.respondent_hash


def test_once_per_person_in_a_named_survey(admin, entity_a, customer):
    survey = make_survey(actor=admin, owner=entity_a, anonymous=False)
    with pytest.raises(NotAuthenticated):
        survey_respond(actor=None, survey=survey, posted=_answers(survey))
    response = survey_respond(actor=customer, survey=survey, posted=_answers(survey))
    assert response.respondent == customer
    assert AuditEvent.objects.filter(action="survey.answered", actor_id=customer.pk).exists()
    with pytest.raises(AlreadyAnswered):
        survey_respond(actor=customer, survey=survey, posted=_answers(survey))


def test_the_database_refuses_a_second_response_of_the_same_person(admin, entity_a, customer):
    from django.db import IntegrityError, transaction

    survey = make_survey(actor=admin, owner=entity_a)
    survey_respond(actor=customer, survey=survey, posted=_answers(survey))
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, respondent_hash=respondent_hash(survey, customer),
                                submitted_on=timezone.localdate())


def test_signed_out_answers_of_an_anonymous_survey_have_no_hash(admin, entity_a):
    survey = make_survey(actor=admin, owner=entity_a)
    survey_respond(actor=None, survey=survey, posted=_answers(survey))
    survey_respond(actor=None, survey=survey, posted=_answers(survey))  # another browser
    assert list(Response.objects.values_list("respondent_hash", flat=True)) == ["", ""]


def test_closed_and_not_yet_open_surveys_take_no_answers(admin, entity_a, customer):
    later = make_survey(actor=admin, owner=entity_a, code="later",
                        opens_on=str(timezone.localdate() + timedelta(days=2)))
    with pytest.raises(SurveyClosed):
        survey_respond(actor=customer, survey=later, posted=_answers(later))
    survey = survey_close(actor=admin, survey=make_survey(actor=admin, owner=entity_a))
    with pytest.raises(SurveyClosed):
        survey_respond(actor=customer, survey=survey, posted=_answers(survey))


# --- invitations -------------------------------------------------------------------------------------------

@pytest.fixture
def service(admin, entity_a):
    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-PERMIT", name_ar="تصريح",
                           name_en="Permit")
    service_form_publish(actor=admin, service=service, definition=FORM)
    service_workflow_publish(actor=admin, service=service, definition=TEMPLATES["simple_approval"])
    return service


def _request(customer, service):
    application = application_start(actor=customer, service=service)
    application_answers_save(actor=customer, application=application, answers={"full_name": "Maryam"})
    return application_submit(actor=customer, application=application)


def test_completing_a_request_invites_the_applicant_to_the_services_surveys(people, admin, entity_a, customer,
                                                                            service):
    attached = make_survey(actor=admin, owner=entity_a, anonymous=False, by_link=False, services=[service.code])
    make_survey(actor=admin, owner=entity_a, code="draft-one", publish=False, services=[service.code])
    make_survey(actor=admin, owner=entity_a, code="unattached")
    officer = people["officer"]
    approved = _request(customer, service)
    approved = application_transition(actor=officer, application=approved, action="start_review")
    assert not SurveyInvitation.objects.exists()  # not completed yet
    application_transition(actor=officer, application=approved, action="approve")
    invitation = SurveyInvitation.objects.get()
    assert (invitation.survey, invitation.user, invitation.application) == (attached, customer, approved)
    rejected = application_transition(actor=officer, application=_request(customer, service), action="start_review")
    application_transition(actor=officer, application=rejected, action="reject", comment="Incomplete plan")
    assert SurveyInvitation.objects.filter(application=rejected).count() == 1
    withdrawn = _request(customer, service)
    application_transition(actor=customer, application=withdrawn, action="withdraw")
    assert not SurveyInvitation.objects.filter(application=withdrawn).exists()
    # Answering once answers every invitation of the survey; the named response keeps the request.
    response = survey_respond(actor=customer, survey=attached, posted=_answers(attached))
    assert response.application in (approved, rejected)
    assert not SurveyInvitation.objects.filter(answered=False).exists()


def test_a_rolled_back_completion_leaves_no_invitation(people, admin, entity_a, customer, service):
    from django.db import transaction

    make_survey(actor=admin, owner=entity_a, services=[service.code])
    application = application_transition(actor=people["officer"], application=_request(customer, service),
                                         action="start_review")
    with pytest.raises(RuntimeError), transaction.atomic():
        application_transition(actor=people["officer"], application=application, action="approve")
        raise RuntimeError("the commit fails")
    assert not SurveyInvitation.objects.exists()


# --- results and CSV -----------------------------------------------------------------------------------------

@pytest.fixture
def answered(people, admin, entity_a):
    from manassa.accounts.tests.factories import make_user

    survey = make_survey(actor=admin, owner=entity_a)
    rows = [dict(single=0, multiple=(0, 1), scale="5", text="سريع"), dict(single=0, multiple=(0,), scale="4"),
            dict(single=1, multiple=(), scale="1", text="=HYPERLINK(\"x\")")]
    for n, row in enumerate(rows):
        survey_respond(actor=make_user(f"r{n}@example.test"), survey=survey, posted=_answers(survey, **row))
    return survey


def test_results_maths(answered):
    results = survey_results(answered)
    assert results.responses == 3
    single, multiple, scale, text = results.questions
    assert single.answered == 3
    assert [(b.count, b.percent) for b in single.bars] == [(2, Decimal("66.7")), (1, Decimal("33.3"))]
    assert multiple.answered == 2  # one person ticked nothing
    assert [(b.count, b.percent) for b in multiple.bars] == [(2, Decimal("100.0")), (1, Decimal("50.0")),
                                                             (0, Decimal("0.0"))]
    assert [b.count for b in scale.bars] == [1, 0, 0, 1, 1]
    assert scale.average == Decimal("3.33")
    assert scale.bars[4].x_rtl == Decimal("66.7")
    assert text.answered == 2 and text.texts == ['=HYPERLINK("x")', "سريع"]


def test_results_of_a_survey_without_answers(admin, entity_a):
    results = survey_results(make_survey(actor=admin, owner=entity_a))
    assert results.responses == 0
    assert results.questions[2].average is None
    assert all(b.percent == 0 for b in results.questions[0].bars)


def _csv(survey):
    return "".join(survey_csv_lines(survey))


def test_csv_of_an_anonymous_survey(answered, django_assert_max_num_queries):
    from django.utils import translation

    with translation.override("en"), django_assert_max_num_queries(6):
        text = _csv(answered)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["Response", "Date", "1. Did you get what you asked for?", "2. What did you like?",
                       "3. How satisfied are you?", "4. Anything else?"]
    today = timezone.localdate().isoformat()
    assert rows[1] == ["1", today, "Yes", "Speed; Clarity", "5", "سريع"]
    assert rows[2] == ["2", today, "Yes", "Speed", "4", ""]
    assert rows[3] == ["3", today, "No", "", "1", "'=HYPERLINK(\"x\")"]  # never a formula in a spreadsheet
    assert "example.test" not in text


def test_csv_of_a_named_survey_says_who_answered(admin, entity_a, customer):
    from django.utils import translation

    survey = make_survey(actor=admin, owner=entity_a, anonymous=False)
    survey_respond(actor=customer, survey=survey, posted=_answers(survey))
    with translation.override("ar"):
        rows = list(csv.reader(io.StringIO(_csv(survey)[1:])))
    assert len(rows[0]) == 8
    assert rows[1][2] == customer.email and rows[1][4] == "نعم"


def test_csv_streams_in_chunks(answered):
    lines = survey_csv_lines(answered, chunk_size=1)
    assert next(lines).startswith("\ufeff")
    assert len(list(lines)) == 3
