from django.shortcuts import redirect
from django.urls import reverse

from manassa.accounts.permissions import is_government_staff
from manassa.accounts.selectors import user_has_totp

# Paths a staff member without two-factor authentication may still reach: the
# set-up pages themselves, signing out, the language switch and the probes.
_ALLOWED_NAMES = {
    "mfa_activate_totp", "mfa_index", "mfa_view_recovery_codes", "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes", "mfa_reauthenticate", "account_reauthenticate",
    "account_logout", "cookies_accept", "healthz", "readyz", "metrics",
    "javascript-catalog",
}


class StaffMfaRequiredMiddleware:
    """Government staff must have TOTP set up before they can use anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.path.startswith(("/static/", "/media/")):
            return None
        match = request.resolver_match
        if match and match.url_name in _ALLOWED_NAMES:
            return None
        if not is_government_staff(user):
            return None
        if user_has_totp(user):
            return None
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse(
                {"error": {"code": "mfa_required", "message": "Two-factor authentication must be set up."}},
                status=403,
            )
        return redirect(reverse("mfa_activate_totp"))
