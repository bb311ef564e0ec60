from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from manassa.accounts.forms import ProfileForm
from manassa.accounts.permissions import role_names
from manassa.accounts.services import PROFILE_FIELDS, profile_update
from manassa.core.errors import InvalidInput


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            interests = list(data.pop("interests"))
            life_events = list(data.pop("life_events"))
            try:
                profile_update(actor=user, user=user, interests=interests, life_events=life_events,
                               **{k: v for k, v in data.items() if k in PROFILE_FIELDS})
            except InvalidInput as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect("accounts:profile")
    else:
        initial = {name: getattr(user, name) for name in PROFILE_FIELDS}
        initial["interests"] = list(user.interests.all())
        initial["life_events"] = list(user.life_events.all())
        form = ProfileForm(initial=initial)
    return render(request, "accounts/profile.html", {"form": form, "roles": role_names(user)})
