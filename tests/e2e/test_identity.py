"""Sign-in with UAE PASS in a real browser, against the test provider running in its own process."""

import re

import pytest

from manassa.accounts.models import User
from manassa.accounts.oidc import socialaccount_providers_from_env
from tests.e2e.browser import check_page

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_uae_pass_sign_in_in_the_browser(page, live_server, settings, oidc_provider, transactional_db, lang):
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers_from_env(oidc_provider.environ(generic=False))
    citizen = oidc_provider.people["citizen"]
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])

    page.goto(f"/{lang}/accounts/login/")
    check_page(page)
    button_name = "الهوية الرقمية UAE PASS" if lang == "ar" else "UAE PASS"
    page.get_by_role("link", name=button_name).click()
    # allauth asks before leaving for the provider (no sign-in on a bare GET).
    check_page(page)
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(re.compile(re.escape(oidc_provider.base_url)))
    page.locator("input[name=username]").fill(citizen.username)
    page.locator("input[name=password]").fill(citizen.password)
    page.locator("form [type=submit]").click()

    page.wait_for_url(re.compile(rf"/{lang}/$"))
    user = User.objects.get(socialaccount__uid=citizen.claims["uuid"])
    assert user.name_en.startswith("Ahmed") and user.user_type == "SOP3"
    page.goto(f"/{lang}/accounts/profile/")
    check_page(page)
    assert page.locator("#id_emirates_id").input_value() == "784-1990-1234567-6"
