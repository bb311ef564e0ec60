"""Sign-in wording that Manassa translates itself.

django-allauth ships an Arabic catalogue, but a few of its terms differ from
the wording of UAE government services ("رمز المصادقة", not "كود المصدق").
Listing the messages here lets ``makemessages`` put them in our catalogue,
which Django consults before allauth's.
"""

from django.utils.translation import gettext_noop

ALLAUTH_TERMS = [
    gettext_noop("Email"),
    gettext_noop("Email address"),
    gettext_noop("Code"),
    gettext_noop("Authenticator code"),
    gettext_noop("Password"),
    gettext_noop("Password (again)"),
    gettext_noop("Remember Me"),
    gettext_noop("Sign In"),
    gettext_noop("Sign Up"),
    gettext_noop("Sign Out"),
    gettext_noop("Forgot your password?"),
    gettext_noop("Two-Factor Authentication"),
    gettext_noop("Confirm"),
    gettext_noop("Activate"),
]
