"""A case from end to end in a real browser, in Arabic and in English.

An anonymous visitor reports a complaint with a photo and a location picked on the map → the officer of
the entity the category routes to resolves it → the visitor, through the tracking link, reopens it → the
officer resolves it again → the visitor rates the answer. Two browser contexts, axe-core on every page.
"""

import re

import pytest
from django.conf import settings
from django.test import Client

from manassa.accounts.tests.factories import make_user
from manassa.complaints.models import Case, CaseRating
from manassa.complaints.tests.factories import PNG, make_category
from manassa.entities.models import Entity, Membership
from tests.e2e.browser import check_page

pytestmark = pytest.mark.e2e

TEXT = {
    "ar": {"description": "حفرة عميقة في الطريق أمام المدرسة", "answer": "تم ردم الحفرة.",
           "reopen": "ما زالت الحفرة موجودة.", "again": "تمت إعادة رصف الطريق."},
    "en": {"description": "Deep pothole on the road by the school", "answer": "The pothole was filled.",
           "reopen": "The pothole is still there.", "again": "The road was resurfaced."},
}


@pytest.fixture
def setup(transactional_db, live_server):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)
    municipality = Entity.objects.create(code="SHJMUN", kind="local", name_ar="بلدية مدينة الشارقة",
                                         name_en="Sharjah City Municipality")
    category = make_category(entity=municipality, code="SHJMUN-ROADS", name_en="Roads and potholes",
                             kinds=["complaint"])
    category.name_ar = "الطرق والحفر"
    category.save()
    officer = make_user("officer@example.test", totp=True, name_ar="سالم", name_en="Salem")
    Membership.objects.create(user=officer, entity=municipality, role="officer")
    return {"officer": officer, "category": category}


def _cookies(live_server, user=None):
    cookies = [{"name": "manassa_cookies", "value": "ok", "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append({"name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url})
    return cookies


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_case_from_report_to_rating(page, browser, live_server, setup, lang):
    text = TEXT[lang]
    visitor = page
    visitor.context.add_cookies(_cookies(live_server))
    officer_context = browser.new_context(base_url=live_server.url, bypass_csp=True,
                                          viewport={"width": 1280, "height": 900})
    officer_context.add_cookies(_cookies(live_server, setup["officer"]))
    officer = officer_context.new_page()

    # 1. The anonymous visitor reports the complaint, with a photo and a point clicked on the map.
    visitor.goto(f"/{lang}/feedback/")
    check_page(visitor)
    visitor.locator("a[href$='/feedback/new/?kind=complaint']").click()
    visitor.wait_for_url(re.compile(r"/feedback/new/"))
    assert visitor.locator("#case-kind_0").is_checked()
    visitor.locator("#case-category").select_option("SHJMUN-ROADS")
    visitor.locator("#case-description").fill(text["description"])
    visitor.locator("[data-case-map] svg").click(position={"x": 150, "y": 120})
    lat, long = float(visitor.locator("#case-lat").input_value()), float(visitor.locator("#case-long").input_value())
    assert 24.7 <= lat <= 25.7 and 55.3 <= long <= 56.4
    visitor.locator("#case-attachments").set_input_files({"name": "pothole.png", "mimeType": "image/png",
                                                          "buffer": PNG})
    check_page(visitor)
    visitor.locator("main form button.aegov-btn[type=submit]").last.click()
    visitor.wait_for_url(re.compile(r"/feedback/cases/[A-Z]+-FB-\d{4}-\d{6}/received/$"))
    check_page(visitor)
    tracking_link = visitor.locator("[data-tracking-link]").get_attribute("href")
    case = Case.objects.get()
    assert case.entity.code == "SHJMUN" and case.reporter is None and case.attachments.count() == 1
    assert case.lat == pytest.approx(lat, abs=1e-5)

    # 2. The officer of the routed entity resolves it.
    officer.goto(f"/{lang}/backoffice/cases/")
    check_page(officer)
    officer.goto(f"/{lang}/backoffice/cases/{case.reference}/")
    check_page(officer)
    officer.locator("#action-resolve").check()
    officer.locator("#action-comment").fill(text["answer"])
    officer.locator("form:has(#action-resolve) button[type=submit]").click()
    officer.wait_for_load_state()
    assert Case.objects.get().state == "resolved"
    check_page(officer)

    # 3. The visitor comes back later through the tracking link (a new browser session) and reopens it.
    visitor.context.clear_cookies()
    visitor.context.add_cookies(_cookies(live_server))
    visitor.goto(tracking_link)
    visitor.wait_for_url(re.compile(rf"/feedback/cases/{case.reference}/$"))
    assert text["answer"] in visitor.locator("main").inner_text()
    check_page(visitor)
    visitor.locator("#act-reopen-comment").fill(text["reopen"])
    visitor.locator("form:has(#act-reopen-comment) button[type=submit]").click()
    visitor.wait_for_url(re.compile(rf"/feedback/cases/{case.reference}/$"))
    assert Case.objects.get().state == "reopened"
    check_page(visitor)

    # 4. The officer resolves it again.
    officer.goto(f"/{lang}/backoffice/cases/{case.reference}/")
    assert text["reopen"] in officer.locator("main").inner_text()
    officer.locator("#action-resolve").check()
    officer.locator("#action-comment").fill(text["again"])
    officer.locator("form:has(#action-resolve) button[type=submit]").click()
    officer.wait_for_load_state()
    assert Case.objects.get().state == "resolved"

    # 5. The visitor rates the answer.
    visitor.goto(f"/{lang}/feedback/cases/{case.reference}/")
    visitor.locator("#score-3").check()
    visitor.locator("#rating-comment").fill(text["again"])
    visitor.locator("#rating form button[type=submit]").click()
    visitor.wait_for_url(re.compile(rf"/feedback/cases/{case.reference}/$"))
    assert CaseRating.objects.get(case=case).score == 3
    check_page(visitor)
    officer_context.close()
