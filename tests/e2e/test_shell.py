"""The portal shell in a real browser: accounts journeys, staff two-factor, accessibility and language."""

import re

import pyotp
import pytest
from django.core import mail

from manassa.accounts.tests.factories import PASSWORD, TOTP_SECRET, make_user
from manassa.entities.models import Entity, Membership
from tests.e2e.browser import check_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def government(transactional_db):
    sewa = Entity.objects.create(code="SEWA", kind="local", name_ar="هيئة كهرباء ومياه وغاز الشارقة",
                                 name_en="Sharjah Electricity, Water and Gas Authority")
    Entity.objects.create(code="ICP", kind="federal", name_ar="الهيئة الاتحادية للهوية والجنسية",
                          name_en="Federal Authority for Identity and Citizenship")
    return sewa


def _dismiss_cookies(page):
    button = page.locator(".cookie-notice a")
    if button.count():
        button.click()


def test_sign_up_verify_sign_in_switch_language_sign_out(page, government):
    page.goto("/ar/")
    check_page(page)
    _dismiss_cookies(page)
    page.get_by_role("link", name="إنشاء حساب").click()
    check_page(page)
    page.get_by_label("البريد الإلكتروني").fill("layla@example.test")
    page.locator("#id_password1").fill("Layla-long-passphrase-7")
    page.locator("#id_password2").fill("Layla-long-passphrase-7")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/ar/accounts/confirm-email/$"))
    check_page(page)

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    check_page(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ar/accounts/login/$"))

    page.get_by_label("البريد الإلكتروني").fill("layla@example.test")
    page.get_by_label("كلمة المرور").fill("Layla-long-passphrase-7")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ar/$"))
    assert page.locator(".header-navs summary", has_text="حسابي").is_visible()

    page.goto("/ar/accounts/profile/")
    check_page(page)
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/en/accounts/profile/$"))
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.get_by_role("heading", name="My profile").is_visible()
    check_page(page)

    page.locator(".header-navs summary", has_text="My account").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/en/$"))
    assert page.get_by_role("link", name="Sign in").is_visible()


def test_staff_sign_in_with_totp(page, government):
    officer = make_user("officer@example.test", totp=True)
    Membership.objects.create(user=officer, entity=government, role="admin")
    page.goto("/en/accounts/login/")
    _dismiss_cookies(page)
    page.get_by_label("Email").fill("officer@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/en/accounts/2fa/authenticate/"))
    check_page(page)
    page.locator("#id_code").fill(pyotp.TOTP(TOTP_SECRET).now())
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/en/$"))
    page.get_by_role("link", name="Back office").click()
    check_page(page)
    page.get_by_role("link", name="Sharjah Electricity, Water and Gas Authority").click()
    check_page(page)


def test_new_staff_member_is_walked_through_totp_setup(page, government):
    officer = make_user("new.officer@example.test")
    Membership.objects.create(user=officer, entity=government, role="officer")
    page.goto("/ar/accounts/login/")
    _dismiss_cookies(page)
    page.get_by_label("البريد الإلكتروني").fill("new.officer@example.test")
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    # Setting up an authenticator is sensitive: the password is confirmed first.
    page.wait_for_url(re.compile(r"/ar/accounts/reauthenticate/"))
    check_page(page)
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ar/accounts/2fa/totp/activate/"))
    check_page(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("رمز المصادقة").fill(pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ar/accounts/2fa/"))
    page.goto("/ar/backoffice/")
    assert page.get_by_role("heading", name="المكتب الخلفي").is_visible()
