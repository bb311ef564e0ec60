"""The answering page, the builder's buttons, results and the CSV download, through the views."""

import pytest
from django.urls import reverse
from django.utils import translation

from manassa.surveys.models import Response, Survey
from manassa.surveys.tests.factories import make_survey, survey_state
from manassa.surveys.tests.test_permissions import _post_data


@pytest.fixture(autouse=True)
def _english():
    """URLs and messages in English (the default language is Arabic)."""
    with translation.override("en"):
        yield


@pytest.fixture
def survey(people, entity_a):
    return make_survey(actor=people["admin"], owner=entity_a)


def _url(survey, key=True):
    url = reverse("surveys:answer", args=[survey.code])
    return url + f"?key={survey.link_token}" if key else url


def _options(survey, position):
    return [str(o.pk) for o in survey.questions.get(position=position).options.all()]


def test_the_link_needs_its_key_and_drafts_are_hidden(client, people, entity_a, survey):
    assert client.get(_url(survey, key=False)).status_code == 404
    assert client.get(reverse("surveys:answer", args=[survey.code]) + "?key=wrong").status_code == 404
    draft = make_survey(actor=people["admin"], owner=entity_a, code="draft", publish=False)
    assert client.get(_url(draft)).status_code == 404
    page = client.get(_url(survey))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<fieldset") == 3 and "<legend" in html  # the text question has a label instead
    assert 'aria-describedby="id_q2_hint"' in html  # the scale's ends are explained


def test_errors_are_summarised_and_linked_then_thanks_and_once_per_browser(client, survey):
    with_errors = client.post(_url(survey), {"q2": "42"})
    assert with_errors.status_code == 400
    html = with_errors.content.decode()
    assert 'href="#id_q0_0"' in html and 'href="#id_q2_0"' in html
    assert 'id="id_q2_error"' in html and 'aria-invalid="true"' in html
    sent = client.post(_url(survey), {"q0": _options(survey, 0)[0], "q2": "3", "q3": "شكراً"})
    assert sent.status_code == 302 and sent["Location"] == reverse("surveys:thanks", args=[survey.code])
    assert client.get(sent["Location"]).status_code == 200
    again = client.get(_url(survey))
    assert "already answered" in again.content.decode()
    client.post(_url(survey), {"q0": _options(survey, 0)[0], "q2": "3"})
    assert Response.objects.count() == 1
    client.cookies.clear()  # what the signed cookie cannot prevent, said honestly in docs/surveys.md
    assert "already answered" not in client.get(_url(survey)).content.decode()


def test_a_forged_cookie_is_not_taken(client, survey):
    client.cookies[f"manassa_survey_{survey.pk}"] = survey.code
    assert "already answered" not in client.get(_url(survey)).content.decode()


def test_signed_in_person_answers_once(client, customer, survey):
    client.force_login(customer)
    assert client.post(_url(survey), {"q0": _options(survey, 0)[1], "q2": "5"}).status_code == 302
    client.cookies.pop(f"manassa_survey_{survey.pk}", None)
    assert "already answered" in client.get(_url(survey)).content.decode()


def test_named_survey_asks_to_sign_in(client, people, entity_a):
    named = make_survey(actor=people["admin"], owner=entity_a, code="named", anonymous=False)
    response = client.get(_url(named))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "key%3D" in response["Location"]  # back to the same link after signing in


def test_closed_survey_says_so(client, people, survey):
    from manassa.surveys.services import survey_close

    survey_close(actor=people["admin"], survey=survey)
    assert "closed" in client.get(_url(survey)).content.decode()


def test_invited_person_answers_without_the_key_and_sees_it_in_my_surveys(client, customer, people, entity_a):
    from manassa.catalog.tests.factories import make_sector, make_service
    from manassa.surveys.models import SurveyInvitation

    make_service(entity=entity_a, sector=make_sector(), code="A-SVC", name_ar="أ", name_en="A")
    invited = make_survey(actor=people["admin"], owner=entity_a, code="invited", by_link=False, services=["A-SVC"])
    assert client.get(_url(invited, key=False)).status_code == 404
    application = _submitted_application(customer, entity_a)
    SurveyInvitation.objects.create(survey=invited, user=customer, application=application)
    client.force_login(customer)
    mine = client.get(reverse("surveys:mine")).content.decode()
    assert _url(invited, key=False) in mine
    assert client.get(_url(invited, key=False)).status_code == 200
    client.post(_url(invited, key=False), {"q0": _options(invited, 0)[0], "q2": "2"})
    assert "Answer the survey" not in client.get(reverse("surveys:mine")).content.decode()


def _submitted_application(customer, entity_a):
    from manassa.applications.services import (
        application_answers_save,
        application_start,
        application_submit,
        service_form_publish,
        service_workflow_publish,
    )
    from manassa.applications.workflow import TEMPLATES
    from manassa.catalog.models import Service

    service = Service.objects.get(code="A-SVC")
    form = {"format": "manassa-form/1", "pages": [{"key": "p", "title": {"ar": "ب", "en": "D"}, "fields": [
        {"key": "name", "type": "text", "label": {"ar": "الاسم", "en": "Name"}}]}]}
    service_form_publish(actor=None, service=service, definition=form)
    service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
    application = application_start(actor=customer, service=service)
    application_answers_save(actor=customer, application=application, answers={"name": "M"})
    return application_submit(actor=customer, application=application)


# --- builder -------------------------------------------------------------------------------------------

def test_builder_buttons_change_the_draw_without_saving(client, people):
    client.force_login(people["admin"])
    url = reverse("surveys_admin:new")
    state = survey_state("built")
    data = _post_data(state, owner="ENT-A")
    page = client.post(url, {**data, "_op": "add_option:q0"}).content.decode()
    assert 'name="q0-o2-label_ar"' in page and 'autofocus' in page
    page = client.post(url, {**data, "_op": "down:q0"}).content.decode()
    assert page.index("What did you like?") < page.index("Did you get what you asked for?")
    page = client.post(url, {**data, "_op": "remove:q3"}).content.decode()
    assert "Anything else?" not in page and 'name="question-count" value="3"' in page
    page = client.post(url, {**data, "q3-kind": "scale", "_op": "refresh"}).content.decode()
    assert 'name="q3-scale_min" value="1"' in page
    assert not Survey.objects.exists()
    saved = client.post(url, {**data, "_op": "save"})
    assert saved.status_code == 302
    assert Survey.objects.get(code="built").questions.count() == 4


def test_builder_lists_every_problem_linked_to_its_box(client, people):
    client.force_login(people["admin"])
    data = _post_data(survey_state("x", title_ar=""), owner="ENT-A")
    page = client.post(reverse("surveys_admin:new"), data)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'href="#sb-code"' in html and 'href="#sb-title_ar"' in html
    assert 'id="sb-title_ar_error"' in html and 'value="x"' in html  # what was typed is shown back


def test_publish_and_close_through_the_pages(client, people, entity_a):
    survey = make_survey(actor=people["admin"], owner=entity_a, publish=False)
    client.force_login(people["admin"])
    client.post(reverse("surveys_admin:publish", args=[survey.code]))
    survey.refresh_from_db()
    assert survey.status == "published"
    detail = client.get(reverse("surveys_admin:detail", args=[survey.code])).content.decode()
    assert survey.link_token in detail
    assert client.get(reverse("surveys_admin:edit", args=[survey.code])).status_code == 302  # no longer a draft
    client.post(reverse("surveys_admin:close", args=[survey.code]))
    survey.refresh_from_db()
    assert survey.status == "closed"


# --- results ---------------------------------------------------------------------------------------------

def test_results_page_and_csv_download(client, people, survey):
    from manassa.surveys.services import survey_respond

    survey_respond(actor=people["customer"], survey=survey,
                   posted={"q0": [_options(survey, 0)[0]], "q2": ["4"], "q3": ["جيد"]})
    client.force_login(people["officer"])
    html = client.get(reverse("surveys_admin:results", args=[survey.code])).content.decode()
    assert "100.0%" in html and 'width="100.0%"' in html and "<table" in html and "جيد" in html
    assert 'aria-hidden="true"' in html
    response = client.get(reverse("surveys_admin:export", args=[survey.code]))
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff") and body.count("\n") == 2
    texts = client.get(reverse("surveys_admin:text_answers", args=[survey.code, 4])).content.decode()
    assert "جيد" in texts
    assert client.get(reverse("surveys_admin:text_answers", args=[survey.code, 1])).status_code == 404
