"""The resident's pages through the Django test client: apply page by page, check, submit, follow, respond, withdraw."""

import re

import pytest
from django.urls import reverse

from manassa.accounts.tests.factories import make_user
from manassa.applications.models import Application, Notice
from manassa.applications.services import (
    application_note_add,
    application_start,
    application_transition,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.core.events import events_dispatch

FORM = {
    "format": "manassa-form/1",
    "pages": [
        {"key": "about", "title": {"ar": "عنك", "en": "About you"}, "fields": [
            {"key": "full_name", "type": "text", "required": True, "label": {"ar": "الاسم", "en": "Full name"}},
            {"key": "age", "type": "number", "required": True, "min": 1, "max": 120,
             "label": {"ar": "العمر", "en": "Age"}},
        ]},
        {"key": "household", "title": {"ar": "الأسرة", "en": "Your household"}, "fields": [
            {"key": "has_car", "type": "yes_no", "required": True,
             "label": {"ar": "هل تملك سيارة؟", "en": "Do you own a car?"}},
            {"key": "plate", "type": "text", "required": True, "show_if": {"field": "has_car", "equals": True},
             "label": {"ar": "رقم اللوحة", "en": "Plate number"}},
            {"key": "children", "type": "group", "max_items": 3, "label": {"ar": "الأبناء", "en": "Children"},
             "item_label": {"ar": "ابن", "en": "Child"},
             "fields": [{"key": "child_name", "type": "text", "required": True,
                         "label": {"ar": "اسم الابن", "en": "Child's name"}}]},
        ]},
    ],
}


@pytest.fixture(autouse=True)
def _calendars(db):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)


@pytest.fixture
def service(people, entity_a):
    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-GRANT", name_ar="منحة",
                           name_en="Housing grant")
    service_form_publish(actor=people["admin"], service=service, definition=FORM)
    service_workflow_publish(actor=people["admin"], service=service, definition=TEMPLATES["simple_approval"])
    return service


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def _draft_url(application, page):
    return reverse("requests:draft_page", args=[application.pk, page])


def _apply(client, service) -> Application:
    """Start and fill in every page correctly; returns the draft (not yet sent)."""
    response = client.post(f"/en/services/{service.slug}/start/")
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("requests:draft", args=[application.pk])
    client.post(_draft_url(application, "about"), {"full_name": "Maryam", "age": "34"})
    client.post(_draft_url(application, "household"), {"has_car": "no", "children-count": "0"})
    return application


def _submitted(client, service) -> Application:
    application = _apply(client, service)
    client.post(reverse("requests:draft_check", args=[application.pk]))
    application.refresh_from_db()
    return application


def test_start_page_offers_online_application_only_when_published(customer_client, service, entity_a):
    html = customer_client.get(f"/en/services/{service.slug}/start/").content.decode()
    assert "Start your application" in html and "open here soon" not in html
    other = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-OLD", name_ar="قديم", name_en="Old")
    html = customer_client.get(f"/en/services/{other.slug}/start/").content.decode()
    assert "open here soon" in html and "Start your application" not in html
    response = customer_client.post(f"/en/services/{other.slug}/start/", follow=True)
    assert "cannot be applied for online yet" in response.content.decode()
    assert not Application.objects.exists()


def test_start_offers_to_continue_a_draft(customer_client, service):
    customer_client.post(f"/en/services/{service.slug}/start/")
    draft = Application.objects.get()
    html = customer_client.get(f"/en/services/{service.slug}/start/").content.decode()
    assert "Continue the application you started" in html
    assert reverse("requests:draft", args=[draft.pk]) in html
    assert customer_client.get(reverse("requests:draft", args=[draft.pk]))["Location"] == _draft_url(draft, "about")


def test_page_errors_keep_what_was_typed(customer_client, service):
    customer_client.post(f"/en/services/{service.slug}/start/")
    application = Application.objects.get()
    response = customer_client.post(_draft_url(application, "about"), {"full_name": "Maryam", "age": "many"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and 'href="#id_age"' in html and 'aria-invalid="true"' in html
    assert 'value="Maryam"' in html and 'value="many"' in html
    assert "<title>Error:" in html and "Step 1 of 2" in html
    application.refresh_from_db()
    assert application.answers["full_name"] == "Maryam"  # saved, so nothing is lost
    response = customer_client.post(_draft_url(application, "about"), {"full_name": "Maryam", "age": "34"})
    assert response["Location"] == _draft_url(application, "household")


def test_conditional_field_and_group_add_remove(customer_client, service):
    customer_client.post(f"/en/services/{service.slug}/start/")
    application = Application.objects.get()
    customer_client.post(_draft_url(application, "about"), {"full_name": "Maryam", "age": "34"})
    url = _draft_url(application, "household")
    html = customer_client.get(url).content.decode()
    assert "Step 2 of 2" in html and 'name="plate"' not in html
    assert _draft_url(application, "about") in html  # the back link

    html = customer_client.post(url, {"has_car": "no", "children-count": "0", "_add": "children"}).content.decode()
    assert 'name="children-0-child_name"' in html and 'role="alert"' not in html
    html = customer_client.post(url, {"has_car": "no", "children-count": "2", "children-0-child_name": "Ali",
                                      "children-1-child_name": "Sara", "_remove": "children-0"}).content.decode()
    assert 'value="Sara"' in html and 'value="Ali"' not in html and 'name="children-1-child_name"' not in html

    html = customer_client.post(url, {"has_car": "yes", "children-count": "1",
                                      "children-0-child_name": "Sara"}).content.decode()
    assert 'name="plate"' in html and 'href="#id_plate"' in html  # shown once the page is posted with "yes"
    response = customer_client.post(url, {"has_car": "yes", "plate": "3 12345", "children-count": "1",
                                          "children-0-child_name": "Sara"})
    assert response["Location"] == reverse("requests:draft_check", args=[application.pk])


def test_check_answers_submit_and_confirmation(customer_client, service):
    application = _apply(customer_client, service)
    check = reverse("requests:draft_check", args=[application.pk])
    html = customer_client.get(check).content.decode()
    assert "Maryam" in html and "Check your answers" in html
    assert _draft_url(application, "about") + "?from=check" in html
    # A change from the check page comes back to it.
    response = customer_client.post(_draft_url(application, "about") + "?from=check",
                                    {"full_name": "Maryam Ali", "age": "34"})
    assert response["Location"] == check

    response = customer_client.post(check)
    application.refresh_from_db()
    assert application.reference and application.state == "submitted"
    assert response["Location"] == reverse("requests:submitted", args=[application.reference])
    html = customer_client.get(response["Location"]).content.decode()
    assert f'class="literal text-h3 font-bold mb-0" dir="ltr">{application.reference}<' in html
    assert "What happens next" in html and "We aim to give you an answer by" in html
    # The draft pages are gone once sent.
    assert customer_client.get(check).status_code == 404


def test_submit_with_missing_answers_goes_back_to_the_page(customer_client, service):
    customer_client.post(f"/en/services/{service.slug}/start/")
    application = Application.objects.get()
    customer_client.post(_draft_url(application, "about"), {"full_name": "Maryam", "age": ""})
    response = customer_client.post(reverse("requests:draft_check", args=[application.pk]), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == _draft_url(application, "about") + "?check=1"
    assert "Some answers are missing" in html and 'href="#id_age"' in html
    application.refresh_from_db()
    assert application.reference is None


def test_my_requests_lists_drafts_and_sent_requests(customer_client, service):
    html = customer_client.get("/en/requests/").content.decode()
    assert "You have not applied for any service yet." in html
    sent = _submitted(customer_client, service)
    customer_client.post(f"/en/services/{service.slug}/start/")
    draft = Application.objects.filter(reference__isnull=True).get()
    html = customer_client.get("/en/requests/").content.decode()
    assert sent.reference in html and "Submitted" in html and "Housing grant" in html
    assert reverse("requests:draft", args=[draft.pk]) in html and "Not sent yet" in html
    html = customer_client.get("/ar/requests/").content.decode()
    assert "مُقدَّم" in html


def test_detail_hides_internal_notes_and_customer_responds(customer_client, service, people):
    application = _submitted(customer_client, service)
    officer = people["officer"]
    application_transition(actor=officer, application=application, action="start_review")
    application_note_add(actor=officer, application=application, text="Secret staff note")
    application_transition(actor=officer, application=application, action="request_info",
                           comment="Please send your plate number.")
    detail = reverse("requests:detail", args=[application.reference])
    html = customer_client.get(detail).content.decode()
    assert "Secret staff note" not in html
    assert "Please send your plate number." in html and "What we need from you" in html
    assert "Waiting for more information from you" in html
    assert reverse("requests:answers_page", args=[application.reference, "about"]) in html
    respond = reverse("requests:action", args=[application.reference, "respond"])
    assert respond in html and "Send the information asked for" in html

    # Change an answer while the entity waits, then respond: a comment is required.
    answers_url = reverse("requests:answers_page", args=[application.reference, "about"])
    assert 'value="Maryam"' in customer_client.get(answers_url).content.decode()
    response = customer_client.post(answers_url, {"full_name": "Maryam Saeed", "age": "35"})
    assert response["Location"] == reverse("requests:answers_page", args=[application.reference, "household"])
    response = customer_client.post(respond, {"comment": "  "})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.content.decode()
    response = customer_client.post(respond, {"comment": "Changed my name."})
    assert response["Location"] == detail
    application.refresh_from_db()
    assert application.state == "in_review" and application.answers["full_name"] == "Maryam Saeed"
    assert application.answers["age"] == 35
    # No longer waiting for the applicant: answers cannot be changed, respond is not offered.
    assert customer_client.get(answers_url)["Location"] == detail
    assert customer_client.post(respond, {"comment": "Again"})["Location"] == detail
    html = customer_client.get(detail).content.decode()
    assert "Changed my name." in html and "by you" in html


def test_withdraw_after_confirmation(customer_client, service):
    application = _submitted(customer_client, service)
    withdraw = reverse("requests:action", args=[application.reference, "withdraw"])
    html = customer_client.get(reverse("requests:detail", args=[application.reference])).content.decode()
    assert withdraw in html
    html = customer_client.get(withdraw).content.decode()
    assert "cannot be undone" in html and "Withdraw the application" in html
    application.refresh_from_db()
    assert application.state == "submitted"  # the page only asks
    response = customer_client.post(withdraw, {"comment": "Not needed any more."})
    application.refresh_from_db()
    assert response.status_code == 302 and application.state == "withdrawn" and application.closed_at


def test_notices_are_listed_and_marked_read(customer_client, service, customer):
    application = _submitted(customer_client, service)
    events_dispatch()  # the applicant is told after the commit (the scheduler's job)
    detail = reverse("requests:detail", args=[application.reference])
    html = customer_client.get(detail).content.decode()
    assert f"Your request {application.reference}: Submitted" in html and "Mark as read" in html
    customer_client.post(reverse("requests:notices_read", args=[application.reference]))
    assert not Notice.objects.filter(user=customer, read_at__isnull=True).exists()
    assert "Mark as read" not in customer_client.get(detail).content.decode()


def test_another_person_gets_404_everywhere(client, customer, service):
    client.force_login(customer)
    application = _submitted(client, service)
    draft = application_start(actor=customer, service=service)
    stranger = make_user("stranger@example.test")
    client.force_login(stranger)
    ref = application.reference
    urls = [
        reverse("requests:draft", args=[draft.pk]), _draft_url(draft, "about"),
        reverse("requests:draft_check", args=[draft.pk]),
        reverse("requests:detail", args=[ref]), reverse("requests:submitted", args=[ref]),
        reverse("requests:answers_page", args=[ref, "about"]), reverse("requests:action", args=[ref, "withdraw"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"full_name": "x", "comment": "x"}).status_code == 404, url
    assert client.post(reverse("requests:notices_read", args=[ref])).status_code == 404
    # A draft's number is not a reference, and a reference is not a draft.
    assert client.get(reverse("requests:detail", args=[str(draft.pk)])).status_code == 404
    application.refresh_from_db()
    draft.refresh_from_db()
    assert application.state == "submitted" and draft.answers.get("full_name") != "x"
    assert re.search(r"not applied", client.get("/en/requests/").content.decode())


def test_anonymous_is_sent_to_sign_in(client, customer, service):
    draft = application_start(actor=customer, service=service)
    for url in ["/en/requests/", _draft_url(draft, "about"), reverse("requests:draft_check", args=[draft.pk]),
                reverse("requests:detail", args=["SHJ-2026-000001"])]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
