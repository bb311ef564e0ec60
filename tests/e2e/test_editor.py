"""An entity admin edits a service's form in a real browser: add a field, watch the preview, save, publish."""


import pytest

from manassa.accounts.tests.factories import make_user
from manassa.applications.models import DefinitionStatus, ServiceForm
from manassa.applications.services import service_form_publish, service_workflow_publish
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.models import Sector
from manassa.catalog.tests.factories import make_service
from manassa.entities.models import Entity, Membership
from tests.e2e.browser import check_page, sign_in_with_totp

pytestmark = pytest.mark.e2e

FORM = {
    "format": "manassa-form/1",
    "pages": [{
        "key": "details", "title": {"ar": "البيانات", "en": "Details"},
        "fields": [{"key": "full_name", "type": "text", "label": {"ar": "الاسم الكامل", "en": "Full name"},
                    "required": True}],
    }],
}
# The name of a format, like the standards browser.LATIN_ALLOWED lists ("النموذج بصيغة JSON").
DATA_WORDS = {"JSON"}
NEW_LABEL = {"ar": "رقم قطعة الأرض", "en": "Plot of land number"}


@pytest.fixture
def editing(transactional_db):
    sewa = Entity.objects.create(code="SEWA", kind="local", name_ar="هيئة كهرباء ومياه وغاز الشارقة",
                                 name_en="Sharjah Electricity, Water and Gas Authority")
    sector = Sector.objects.create(code="utilities", name_ar="الكهرباء والمياه", name_en="Electricity and water")
    service = make_service(entity=sewa, sector=sector, code="SEWA-MOVE-IN", name_ar="توصيل الخدمات لمسكن جديد",
                           name_en="Move-in connection")
    admin = make_user("owner@example.test", totp=True, name_ar="نورة", name_en="Noura")
    Membership.objects.create(user=admin, entity=sewa, role="admin")
    service_form_publish(actor=admin, service=service, definition=FORM)
    service_workflow_publish(actor=admin, service=service, definition=TEMPLATES["simple_approval"])
    return {"service": service, "admin": admin}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_admin_adds_a_field_sees_the_preview_saves_and_publishes(page, live_server, editing, lang):
    sign_in_with_totp(page, live_server, "owner@example.test")
    base = f"/{lang}/backoffice/entities/SEWA/services/"
    assert page.goto(base).status == 200
    check_page(page, DATA_WORDS)
    page.locator(f"a[href='{base}SEWA-MOVE-IN/definitions/']").click()
    page.wait_for_url(f"**{base}SEWA-MOVE-IN/definitions/")
    check_page(page, DATA_WORDS)

    page.locator("nav a[href$='/definitions/form/']").click()
    page.wait_for_url("**/definitions/form/")
    check_page(page, DATA_WORDS)

    # Without JavaScript's help this is a round trip: the new field is drawn and its key box focused.
    page.locator("button[name=_op][value='add_field:p0']").click()
    key = page.locator("#ed-p0-f1-key")
    key.wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'ed-p0-f1-key'")
    check_page(page, DATA_WORDS)

    key.fill("plot")
    page.locator("#ed-p0-f1-type").select_option("number")
    page.locator("#ed-p0-f1-label_ar").fill(NEW_LABEL["ar"])
    page.locator("#ed-p0-f1-label_en").fill(NEW_LABEL["en"])
    # The live preview follows the typing (definition-editor.js), no button pressed.
    preview = page.locator("#definition-preview")
    preview.get_by_text(NEW_LABEL[lang]).wait_for()
    assert page.locator("#definition-preview-status").text_content() != ""
    assert preview.locator("#id_plot").count() == 1
    check_page(page, DATA_WORDS)

    page.locator("main form#ed-pages button[value=save]:not([hidden])").click()
    page.wait_for_load_state()
    assert page.locator("main [role=status]").first.is_visible()
    check_page(page, DATA_WORDS)
    draft = ServiceForm.objects.get(service=editing["service"], status=DefinitionStatus.DRAFT)
    assert draft.definition["pages"][0]["fields"][1] == {"key": "plot", "type": "number", "label": NEW_LABEL}

    assert page.goto(f"{base}SEWA-MOVE-IN/definitions/form/preview/").status == 200
    check_page(page, DATA_WORDS)
    assert page.goto(f"{base}SEWA-MOVE-IN/definitions/form/json/").status == 200
    check_page(page, DATA_WORDS)
    assert page.goto(f"{base}SEWA-MOVE-IN/definitions/workflow/").status == 200
    check_page(page, DATA_WORDS)

    page.goto(f"{base}SEWA-MOVE-IN/definitions/")
    page.locator("form[action$='/definitions/form/publish/'] button").click()
    page.wait_for_load_state()
    assert page.locator("main [role=status]").first.is_visible()
    check_page(page, DATA_WORDS)
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (DefinitionStatus.PUBLISHED, 2)
    assert ServiceForm.objects.get(service=editing["service"], version=1).status == DefinitionStatus.SUPERSEDED
