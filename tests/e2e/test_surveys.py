"""An entity admin builds and publishes a survey, a resident answers it, the admin reads the results."""

import re

import pytest
from django.conf import settings
from django.test import Client

from manassa.accounts.tests.factories import make_user
from manassa.entities.models import Entity, Membership
from tests.e2e.browser import check_page

pytestmark = pytest.mark.e2e
# The name of a file format, like those browser.LATIN_ALLOWED lists ("نزّل الإجابات (ملف CSV)").
DATA_WORDS = {"CSV"}

TEXTS = {
    "ar": {"Code": "الرمز", "New": "استبيان جديد", "Save": "حفظ", "Publish": "نشر", "Add": "أضف سؤالاً",
           "Show": "اعرض حقول هذا النوع", "Send": "أرسل إجاباتي", "Results": "النتائج", "Problem": "توجد مشكلة"},
    "en": {"Code": "Code", "New": "New survey", "Save": "Save", "Publish": "Publish", "Add": "Add a question",
           "Show": "Show the boxes for this type", "Send": "Send my answers", "Results": "Results",
           "Problem": "There is a problem"},
}


@pytest.fixture
def sewa(transactional_db):
    entity = Entity.objects.create(code="SEWA", kind="local", name_ar="هيئة كهرباء ومياه وغاز الشارقة",
                                   name_en="Sharjah Electricity, Water and Gas Authority")
    admin = make_user("owner@example.test", totp=True, name_ar="نورة", name_en="Noura")
    Membership.objects.create(user=admin, entity=entity, role="admin")
    return {"entity": entity, "admin": admin}


def _sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
         "url": live_server.url},
        {"name": "manassa_cookies", "value": "ok", "url": live_server.url}])


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_build_publish_answer_and_read_results(page, live_server, sewa, lang):
    t = TEXTS[lang]
    code = f"move-in-{lang}"
    _sign_in(page, live_server, sewa["admin"])

    # The admin builds a survey: one question of one choice, then a rating scale added with the buttons.
    page.goto(f"/{lang}/backoffice/surveys/")
    check_page(page)
    page.get_by_role("link", name=t["New"]).click()
    check_page(page)
    page.locator("#sb-code").fill(code)
    page.locator("#sb-title_ar").fill("رضاكم عن خدمة التوصيل")
    page.locator("#sb-title_en").fill("Your satisfaction with the connection")
    page.locator("#sb-q0-text_ar").fill("هل تم التوصيل في الموعد؟")
    page.locator("#sb-q0-text_en").fill("Was the connection made on time?")
    page.locator("#sb-q0-o0-label_ar").fill("نعم")
    page.locator("#sb-q0-o0-label_en").fill("Yes")
    page.locator("#sb-q0-o1-label_ar").fill("لا")
    page.locator("#sb-q0-o1-label_en").fill("No")
    page.locator("#sb-q0-required").check()
    page.get_by_role("button", name=t["Add"], exact=True).click()
    # A round trip: wait for the new page, whose new question's first box has the focus.
    page.locator("#sb-q1-text_ar").wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'sb-q1-text_ar'")
    page.locator("#sb-q1-kind").select_option("scale")
    page.locator("button[name=_op][value=refresh]").first.click()
    page.locator("#sb-q1-text_ar").fill("ما مدى رضاك؟")
    page.locator("#sb-q1-text_en").fill("How satisfied are you?")
    page.locator("#sb-q1-min_label_ar").fill("غير راضٍ")
    page.locator("#sb-q1-min_label_en").fill("Unhappy")
    page.locator("#sb-q1-max_label_ar").fill("راضٍ جداً")
    page.locator("#sb-q1-max_label_en").fill("Very happy")
    check_page(page)
    page.locator("form button[name=_op][value=save]:visible").click()
    page.wait_for_url(re.compile(rf"/{lang}/backoffice/surveys/{code}/$"))
    check_page(page)
    page.get_by_role("button", name=t["Publish"], exact=True).click()
    page.wait_for_url(re.compile(rf"/{lang}/backoffice/surveys/{code}/$"))
    check_page(page)
    link = page.locator("dd .literal").first.inner_text().strip()
    assert "?key=" in link

    # A resident, not signed in, answers: first with a mistake, then properly; a second visit is refused.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])
    page.goto(link)
    check_page(page)
    page.get_by_role("button", name=t["Send"]).click()
    assert page.get_by_role("alert").get_by_text(t["Problem"]).is_visible()
    check_page(page)
    page.get_by_role("alert").get_by_role("link").first.click()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'id_q0_0'")
    page.locator("#id_q0_0").check()
    page.locator("#id_q1_4").check()
    page.get_by_role("button", name=t["Send"]).click()
    page.wait_for_url(re.compile(rf"/{lang}/surveys/{code}/thanks/$"))
    check_page(page)
    page.goto(link)
    assert page.locator(".alert-info").is_visible()
    check_page(page)

    # The admin reads the results: bars with their values in text, and the same as a table.
    _sign_in(page, live_server, sewa["admin"])
    page.goto(f"/{lang}/backoffice/surveys/{code}/results/")
    check_page(page, DATA_WORDS)
    chart = page.locator("main section ul").first
    assert "100.0" in chart.inner_text()
    page.locator("main details summary").first.click()
    assert page.locator("main details table").first.is_visible()
    check_page(page, DATA_WORDS)
