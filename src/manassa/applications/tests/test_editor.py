"""The back-office editors of a service's form and workflow: drafts, checking, publishing, the pages."""

import copy
import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from manassa.applications import definitions
from manassa.applications.definitions import FORM, WORKFLOW
from manassa.applications.formdefs.example import EXAMPLE
from manassa.applications.formdefs.schema import InvalidFormDefinition
from manassa.applications.models import DefinitionStatus, ServiceForm, ServiceWorkflow
from manassa.applications.selectors import form_of, published_definitions
from manassa.applications.services import (
    application_start,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.views_editor import editor_document, editor_state, error_anchor
from manassa.applications.workflow import TEMPLATES, InvalidWorkflow
from manassa.audit.models import AuditEvent
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.core.errors import Conflict, Forbidden, NotFound

FORM_V1 = {
    "format": "manassa-form/1",
    "pages": [{
        "key": "details", "title": {"ar": "البيانات", "en": "Details"},
        "fields": [{"key": "full_name", "type": "text", "label": {"ar": "الاسم", "en": "Name"}, "required": True}],
    }],
}


def _v2() -> dict:
    document = copy.deepcopy(FORM_V1)
    document["pages"][0]["fields"].append(
        {"key": "plot", "type": "number", "label": {"ar": "رقم القطعة", "en": "Plot number"}, "min": 1})
    return document


@pytest.fixture(autouse=True)
def _english():
    """Service errors in English; the pages take their language from the URL."""
    with translation.override("en"):
        yield


@pytest.fixture
def service(people, entity_a):
    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-PERMIT", name_ar="تصريح",
                           name_en="Permit")
    service_form_publish(actor=people["admin"], service=service, definition=FORM_V1)
    service_workflow_publish(actor=people["admin"], service=service, definition=TEMPLATES["simple_approval"])
    return service


@pytest.fixture
def admin(people):
    return people["admin"]


def _url(name, service, **query):
    url = reverse(f"definitions:{name}", kwargs={"code": service.entity.code, "service_code": service.code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- services ---------------------------------------------------------------------------------


def test_a_draft_is_kept_beside_the_published_version_and_replaced_when_saved_again(service, admin):
    draft = definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=_v2(), based_on=None)
    assert (draft.status, draft.version) == (DefinitionStatus.DRAFT, 0)
    assert published_definitions(service)[0].definition == FORM_V1  # residents still get version 1

    again = definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=FORM_V1,
                                              based_on=draft.pk)
    assert again.pk != draft.pk  # a new row: parsed copies kept by id can never be stale
    drafts = ServiceForm.objects.filter(service=service, status=DefinitionStatus.DRAFT)
    assert list(drafts.values_list("definition", flat=True)) == [FORM_V1]
    assert AuditEvent.objects.filter(action="applications.serviceform.draft_saved").count() == 2


def test_saving_over_a_draft_someone_else_saved_meanwhile_is_refused(service, admin):
    first = definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=_v2(), based_on=None)
    with pytest.raises(Conflict):
        definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=FORM_V1, based_on=None)
    with pytest.raises(Conflict):
        definitions.definition_draft_publish(actor=admin, service=service, kind=FORM, draft_id=first.pk + 1000)
    assert ServiceForm.objects.get(service=service, status=DefinitionStatus.DRAFT).definition == _v2()


def test_an_invalid_draft_is_refused_with_every_error_by_path(service, admin):
    document = _v2()
    document["pages"][0]["fields"][1]["colour"] = "red"
    document["pages"][0]["fields"][0]["label"]["en"] = ""
    with pytest.raises(InvalidFormDefinition) as exc:
        definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=document, based_on=None)
    assert "pages[0].fields[1].colour: unknown key" in exc.value.errors
    assert any(e.startswith("pages[0].fields[0].label.en:") for e in exc.value.errors)
    assert not ServiceForm.objects.filter(service=service, status=DefinitionStatus.DRAFT).exists()

    broken = copy.deepcopy(TEMPLATES["simple_approval"])
    broken["actions"][0]["to"] = "aproved"
    with pytest.raises(InvalidWorkflow) as exc:
        definitions.definition_draft_save(actor=admin, service=service, kind=WORKFLOW, document=broken,
                                          based_on=None)
    assert "actions[0].to: unknown state 'aproved'" in exc.value.errors


def test_publishing_numbers_the_draft_supersedes_the_old_version_and_audits(service, admin):
    draft = definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=_v2(), based_on=None)
    published = definitions.definition_draft_publish(actor=admin, service=service, kind=FORM, draft_id=draft.pk)
    assert (published.pk, published.version, published.status) == (draft.pk, 2, DefinitionStatus.PUBLISHED)
    assert published.published_at is not None
    assert ServiceForm.objects.get(service=service, version=1).status == DefinitionStatus.SUPERSEDED
    assert published_definitions(service)[0].pk == draft.pk
    event = AuditEvent.objects.get(action="applications.serviceform.published", object_id=str(draft.pk))
    assert event.actor_id == admin.pk and event.changes["version"] == 2 and event.changes["superseded"] == [1]
    with pytest.raises(Exception, match="no draft"):
        definitions.definition_draft_publish(actor=admin, service=service, kind=FORM, draft_id=draft.pk)


def test_a_version_published_by_code_while_a_draft_exists_does_not_collide(service, admin):
    draft = definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=_v2(), based_on=None)
    service_form_publish(actor=None, service=service, definition=FORM_V1)  # e.g. the demo loader: version 2
    published = definitions.definition_draft_publish(actor=admin, service=service, kind=FORM, draft_id=draft.pk)
    assert published.version == 3
    assert list(ServiceForm.objects.filter(service=service).order_by("version").values_list("version", "status")) \
        == [(1, "superseded"), (2, "superseded"), (3, "published")]


def test_discarding_a_draft_leaves_the_published_version(service, admin):
    draft = definitions.definition_draft_save(actor=admin, service=service, kind=WORKFLOW,
                                              document=TEMPLATES["approval_payment_issue"], based_on=None)
    definitions.definition_draft_discard(actor=admin, service=service, kind=WORKFLOW, draft_id=draft.pk)
    assert list(ServiceWorkflow.objects.filter(service=service).values_list("version", "status")) \
        == [(1, "published")]
    assert AuditEvent.objects.filter(action="applications.serviceworkflow.draft_discarded",
                                     object_id=str(draft.pk)).exists()


def test_an_application_keeps_the_version_it_was_started_with(service, admin, customer):
    application = application_start(actor=customer, service=service)
    draft = definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=_v2(), based_on=None)
    definitions.definition_draft_publish(actor=admin, service=service, kind=FORM, draft_id=draft.pk)
    application.refresh_from_db()
    assert application.form.version == 1
    assert [f for f in form_of(application).fields] == ["full_name"]
    assert application_start(actor=customer, service=service).form.version == 2


def test_only_the_entitys_admins_write(service, people, entity_b):
    for role in ("officer", "supervisor"):
        entity, found = definitions.access_service_definitions(people[role], "ENT-A", service.code)
        assert found == service
        with pytest.raises(Forbidden):
            definitions.access_service_definitions(people[role], "ENT-A", service.code, write=True)
        with pytest.raises(Forbidden):
            definitions.definition_draft_save(actor=people[role], service=service, kind=FORM, document=FORM_V1,
                                              based_on=None)
    for who in ("customer", "do_admin", "auditor"):
        with pytest.raises(NotFound):
            definitions.access_service_definitions(people[who], "ENT-A", service.code)
    with pytest.raises(NotFound):  # a service of another entity, asked for under one's own
        other = make_service(entity=entity_b, sector=service.sector, code="B-X", name_ar="ب", name_en="B")
        definitions.access_service_definitions(people["admin"], "ENT-A", other.code)


# --- the structured editor's state ---------------------------------------------------------------


def test_the_structured_state_describes_the_same_document():
    document, errors = editor_document(editor_state(EXAMPLE))
    assert errors == []
    assert document == EXAMPLE


@pytest.mark.parametrize(("path", "anchor"), [
    ("pages[1].fields[3].options", "ed-p1-f3-o0-value"),
    ("pages[1].fields[3].options[2].label.en", "ed-p1-f3-o2-label_en"),
    ("pages[0].fields[2].colour", "ed-p0-f2-other"),
    ("pages[0].fields[5].show_if.field", "ed-p0-f5-show_if"),
    ("pages[1].fields[0].fields[0].key", "ed-p1-f0-m0-key"),
    ("pages[0].fields[9].pattern.regex", "ed-p0-f9-pattern_regex"),
    ("pages[0].fields[1].label", "ed-p0-f1-label_ar"),
    ("pages[2].title.en", "ed-p2-title_en"),
    ("pages[2]", "ed-p2"),
    ("pages", "ed-pages"),
])
def test_errors_point_at_the_box_they_concern(path, anchor):
    assert error_anchor(path) == anchor


# --- the pages ---------------------------------------------------------------------------------


class _FormScraper(HTMLParser):
    """The fields a browser would post for the form ``form_id``: what the structured editor drew."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, []
        self._textarea = self._select = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self.data.append((attrs["name"], attrs.get("value", "on")))
            elif kind != "submit":
                self.data.append((attrs["name"], attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # A browser drops the newline that follows <textarea>, as the template writes one.
            self.data.append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def _scrape(response, form_id="ed-pages") -> dict:
    scraper = _FormScraper(form_id)
    scraper.feed(response.content.decode())
    return dict(scraper.data)


def test_structured_editor_round_trip_json_to_form_to_the_same_json(client, service, admin):
    service_form_publish(actor=admin, service=service, definition=EXAMPLE)
    client.force_login(admin)
    posted = _scrape(client.get(_url("form_editor", service)))
    assert posted["p0-f0-label_en"] and posted["page-count"] == str(len(EXAMPLE["pages"]))
    response = client.post(_url("form_editor", service), {**posted, "_op": "save"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ServiceForm.objects.get(service=service, status=DefinitionStatus.DRAFT).definition == EXAMPLE


def test_adding_a_field_draws_it_without_saving_and_saving_then_checks_it(client, service, admin):
    client.force_login(admin)
    posted = _scrape(client.get(_url("form_editor", service)))
    response = client.post(_url("form_editor", service), {**posted, "_op": "add_field:p0"})
    assert response.status_code == 200
    assert not ServiceForm.objects.filter(service=service, status=DefinitionStatus.DRAFT).exists()
    posted = _scrape(response)
    assert posted["p0-field-count"] == "2" and "p0-f1-key" in posted
    assert 'id="ed-p0-f1-key"' in response.content.decode() and "autofocus" in response.content.decode()

    # Saved half-done: the errors are listed by path, linked to their boxes, and what was typed stays.
    posted.update({"p0-f1-key": "plot", "p0-f1-type": "number", "p0-f1-label_ar": "رقم القطعة", "p0-f1-min": "abc"})
    response = client.post(_url("form_editor", service), {**posted, "_op": "save"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="#ed-p0-f1-label_en"' in page and 'href="#ed-p0-f1-min"' in page
    assert 'id="ed-p0-f1-min" name="p0-f1-min" value="abc"' in page
    assert 'value="رقم القطعة"' in page
    assert not ServiceForm.objects.filter(service=service, status=DefinitionStatus.DRAFT).exists()

    posted.update({"p0-f1-label_en": "Plot number", "p0-f1-min": "1"})
    assert client.post(_url("form_editor", service), {**posted, "_op": "save"}).status_code == 302
    assert ServiceForm.objects.get(service=service, status=DefinitionStatus.DRAFT).definition == _v2()


def test_moving_and_removing_fields_and_pages(client, service, admin):
    client.force_login(admin)
    posted = _scrape(client.get(_url("form_editor", service)))
    posted = _scrape(client.post(_url("form_editor", service), {**posted, "_op": "add_page"}))
    posted.update({"p1-key": "more", "p1-title_ar": "المزيد", "p1-title_en": "More", "p1-f0-key": "note",
                   "p1-f0-label_ar": "ملاحظة", "p1-f0-label_en": "Note"})
    posted = _scrape(client.post(_url("form_editor", service), {**posted, "_op": "up:p1"}))
    assert posted["p0-key"] == "more" and posted["p1-key"] == "details"
    posted = _scrape(client.post(_url("form_editor", service), {**posted, "_op": "remove:p1"}))
    assert posted["page-count"] == "1" and posted["p0-f0-key"] == "note"


def test_json_view_lists_errors_by_path_and_keeps_the_text(client, service, admin):
    client.force_login(admin)
    text = json.dumps({**FORM_V1, "colour": "red"}, ensure_ascii=False, indent=1)
    response = client.post(_url("form_json", service), {"definition": text, "draft_id": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<span class="literal" dir="ltr">colour</span>' in page
    assert _scrape_textarea(page) == text

    response = client.post(_url("form_json", service), {"definition": '{"format": ', "draft_id": ""})
    assert "line 1 column 12" in response.content.decode()

    response = client.post(_url("form_json", service), {"definition": json.dumps(_v2()), "draft_id": ""})
    assert response.status_code == 302
    assert definitions.definition_draft(service=service, kind=FORM).definition == _v2()


def _scrape_textarea(page: str) -> str:
    start = page.index(">", page.index('<textarea id="definition-json"')) + 1
    return page[start:page.index("</textarea>", start)].removeprefix("\n").replace("&quot;", '"')


def test_officers_read_without_being_able_to_change(client, service, people):
    client.force_login(people["officer"])
    page = client.get(_url("form_editor", service)).content.decode()
    assert "<fieldset disabled>" in page and 'value="save"' not in page
    assert 'value="full_name"' in page
    assert client.post(_url("form_editor", service), {"_op": "save"}).status_code == 403
    json_page = client.get(_url("workflow_editor", service)).content.decode()
    assert " readonly>" in json_page and 'name="template"' not in json_page
    assert client.post(_url("workflow_template", service), {"template": "simple_approval"}).status_code == 403
    assert not ServiceWorkflow.objects.filter(service=service, status=DefinitionStatus.DRAFT).exists()


def test_preview_draws_the_draft_as_residents_see_it(client, service, admin):
    definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=_v2(), based_on=None)
    client.force_login(admin)
    page = client.get(_url("form_preview", service)).content.decode()
    assert 'id="id_plot"' in page and 'name="full_name"' in page
    response = client.post(_url("form_preview", service, page="details"), {"full_name": "", "plot": "0"})
    assert 'aria-invalid="true"' in response.content.decode()
    assert ServiceForm.objects.get(service=service, status=DefinitionStatus.DRAFT).definition == _v2()


def test_live_preview_follows_the_unsaved_editor(client, service, admin):
    client.force_login(admin)
    posted = _scrape(client.get(_url("form_editor", service)))
    posted["p0-f0-label_en"] = "Your full name"
    with_lang = client.post(_url("form_preview_live", service).replace("/ar/", "/en/"), posted)
    assert "Your full name" in with_lang.content.decode()
    posted["p0-f0-key"] = "Not A Key"
    blocked = client.post(_url("form_preview_live", service), posted).content.decode()
    assert "id_full_name" not in blocked and "<form" not in blocked


def test_workflow_from_a_template_then_published(client, service, admin):
    client.force_login(admin)
    response = client.post(_url("workflow_template", service), {"template": "review_inspection_approval"})
    assert response.status_code == 302
    draft = definitions.definition_draft(service=service, kind=WORKFLOW)
    assert draft.definition == TEMPLATES["review_inspection_approval"]
    page = client.get(_url("workflow_editor", service).replace("/ar/", "/en/")).content.decode()
    assert "Inspection" in page and "complete_inspection" in page and "Supervisor" in page
    # A stale page (from before the draft) cannot replace it.
    client.post(_url("workflow_template", service), {"template": "simple_approval", "draft_id": ""})
    assert definitions.definition_draft(service=service, kind=WORKFLOW).pk == draft.pk

    response = client.post(_url("workflow_publish", service), {"draft_id": draft.pk})
    assert response.status_code == 302
    assert published_definitions(service)[1].version == 2
    overview = client.get(_url("overview", service).replace("/ar/", "/en/")).content.decode()
    assert "Version 2 is published." in overview and "admin@example.test" in overview


def test_publish_and_discard_from_the_overview(client, service, admin):
    client.force_login(admin)
    draft = definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=_v2(), based_on=None)
    page = client.get(_url("overview", service)).content.decode()
    assert f'name="draft_id" value="{draft.pk}"' in page
    client.post(_url("form_publish", service), {"draft_id": draft.pk})
    assert ServiceForm.objects.get(pk=draft.pk).version == 2
    again = definitions.definition_draft_save(actor=admin, service=service, kind=FORM, document=FORM_V1,
                                              based_on=None)
    client.post(_url("form_discard", service), {"draft_id": again.pk})
    assert definitions.definition_draft(service=service, kind=FORM) is None
    assert published_definitions(service)[0].pk == draft.pk
