"""Finding a service in a real browser: search from the home page, keyboard-only suggestions, browsing."""

import re

import pytest

from manassa.core.demo import demo_load
from tests.e2e.browser import check_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_catalog(transactional_db, live_server):
    demo_load()
    return live_server


def _no_cookie_banner(page, live_server):
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])


def test_keyboard_only_suggestion_in_arabic(page, demo_catalog):
    _no_cookie_banner(page, demo_catalog)
    page.goto("/ar/")
    check_page(page)
    box = page.get_by_role("combobox", name="عمَّ تبحث؟")
    box.focus()
    page.keyboard.type("تجديد رخصة تجارية", delay=20)
    options = page.locator("#home-q-list [role=option][data-href]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    check_page(page)  # the open suggestion list is accessible too
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    chosen = page.locator(f"#{active}").get_attribute("data-href")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(chosen) + "$"))
    assert "رخصة" in page.locator("h1").inner_text()
    check_page(page)


def test_search_results_in_english_then_open_a_service(page, demo_catalog):
    _no_cookie_banner(page, demo_catalog)
    page.goto("/en/")
    page.get_by_role("combobox", name="What do you need?").fill("renew trade licence")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/en/search/\?q="))
    check_page(page)
    first = page.locator("ol li h3 a").first
    assert "licence" in first.inner_text().lower()
    first.click()
    assert page.get_by_role("link", name=re.compile("^Start")).is_visible()
    check_page(page)


def test_empty_results_page_helps(page, demo_catalog):
    _no_cookie_banner(page, demo_catalog)
    page.goto("/en/search/?q=zzzzqqqq")
    assert page.get_by_text("No services match your search.").is_visible()
    check_page(page)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_browse_a_life_event(page, demo_catalog, lang):
    _no_cookie_banner(page, demo_catalog)
    page.goto(f"/{lang}/")
    name = "الانتقال إلى منزل جديد" if lang == "ar" else "Moving home"
    page.get_by_role("link", name=re.compile(name)).first.click()
    page.wait_for_url(re.compile(rf"/{lang}/life-events/moving-home/$"))
    check_page(page)
    page.locator("main ul li h2 a").first.click()
    page.wait_for_url(re.compile(rf"/{lang}/services/"))
    check_page(page)
