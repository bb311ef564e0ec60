"""Create the provider's database, its users and its OAuth clients (idempotent).

    manage.py oidc_seed \
        --client '{"client_id": "manassa", "client_secret": "s3cret", "redirect_uris": ["http://127.0.0.1/cb/"],
                   "openid": true}' \
        --user '{"username": "citizen", "password": "pw", "subject": "c-1", "claims": {"uuid": "…"}}'

A client with "openid": true signs ID tokens (RS256); UAE PASS-style clients leave it out.
"""

import json

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from idp.models import Person
from oauth2_provider.models import Application


def _json(value: str) -> dict:
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise CommandError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CommandError("expected a JSON object")
    return data


class Command(BaseCommand):
    help = "Seed the test identity provider with OAuth clients and users."

    def add_arguments(self, parser):
        parser.add_argument("--client", action="append", default=[], type=_json, help="JSON object, repeatable")
        parser.add_argument("--user", action="append", default=[], type=_json, help="JSON object, repeatable")

    def handle(self, *args, client, user, **options):
        call_command("migrate", verbosity=0, interactive=False)
        with transaction.atomic():
            for spec in client:
                self._client(spec)
            for spec in user:
                self._user(spec)

    def _client(self, spec: dict) -> None:
        try:
            client_id, secret, redirect_uris = spec["client_id"], spec["client_secret"], spec["redirect_uris"]
        except KeyError as exc:
            raise CommandError(f"--client needs {exc}") from exc
        app = Application.objects.filter(client_id=client_id).first() or Application(client_id=client_id)
        app.name = spec.get("name", client_id)
        app.client_secret = secret
        app.client_type = Application.CLIENT_CONFIDENTIAL
        app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        app.redirect_uris = " ".join(redirect_uris)
        app.skip_authorization = True
        app.algorithm = Application.RS256_ALGORITHM if spec.get("openid") else Application.NO_ALGORITHM
        app.save()

    def _user(self, spec: dict) -> None:
        try:
            username, password = spec["username"], spec["password"]
        except KeyError as exc:
            raise CommandError(f"--user needs {exc}") from exc
        user, _created = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        Person.objects.update_or_create(
            user=user, defaults={"subject": spec.get("subject") or username, "claims": spec.get("claims", {})}
        )
