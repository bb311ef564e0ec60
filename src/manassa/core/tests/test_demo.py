import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.core.management.base import CommandError

from manassa.accounts.models import User
from manassa.accounts.permissions import Perm, entity_ids_with, has_platform_perm
from manassa.audit.selectors import audit_chain_verify
from manassa.core.demo import DEMO_USERS
from manassa.entities.models import Entity


@pytest.mark.django_db
def test_demo_loads_a_realistic_government(settings, capsys):
    call_command("demo")
    kinds = set(Entity.objects.values_list("kind", flat=True))
    assert Entity.objects.count() >= 12 and kinds == {"local", "federal", "private"}
    assert not Entity.objects.filter(name_ar="").exists() and not Entity.objects.filter(name_en="").exists()
    assert User.objects.count() == len(DEMO_USERS)
    assert entity_ids_with(User.objects.get(email="officer.sewa@manassa.test"), Perm.BACKOFFICE)
    assert has_platform_perm(User.objects.get(email="auditor@manassa.test"), Perm.AUDIT_VIEW)
    staff = User.objects.exclude(email="resident@manassa.test")
    assert Authenticator.objects.filter(user__in=staff, type="totp").count() == staff.count()
    assert audit_chain_verify().ok
    from manassa.applications.models import ServiceForm, ServiceWorkflow

    assert ServiceForm.objects.filter(status="published").count() == 4
    assert ServiceWorkflow.objects.filter(status="published").count() == 4


@pytest.mark.django_db
def test_demo_is_idempotent_and_if_empty_skips(capsys):
    call_command("demo")
    call_command("demo")
    assert Entity.objects.filter(code="SEWA").count() == 1
    from manassa.applications.models import ServiceForm

    assert ServiceForm.objects.count() == 4
    call_command("demo", "--if-empty")
    assert "already present" in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_is_refused_outside_demo_mode(settings):
    settings.DEBUG = False
    settings.MANASSA_DEMO_MODE = False
    with pytest.raises(CommandError, match="Refusing"):
        call_command("demo")
    assert not Entity.objects.exists()
    call_command("demo", "--force")
    assert Entity.objects.exists()


@pytest.mark.django_db
def test_demo_staff_sign_in_with_published_credentials(client):
    import pyotp

    from manassa.core.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    call_command("demo")
    response = client.post("/en/accounts/login/", {"login": "admin.sewa@manassa.test", "password": DEMO_PASSWORD})
    client.post(response["Location"], {"code": pyotp.TOTP(DEMO_TOTP_SECRET).now()})
    assert client.get("/en/backoffice/entities/SEWA/edit/").status_code == 200
