import pytest

from manassa.accounts.services import profile_update
from manassa.accounts.tests.test_validators import VALID
from manassa.audit.models import AuditEvent
from manassa.catalog.models import Sector
from manassa.core.errors import InvalidInput


@pytest.fixture
def sectors(db):
    return [Sector.objects.create(code=c, name_ar=c, name_en=c) for c in ("health", "housing")]


def test_profile_update_normalises_and_audits(customer, sectors):
    user = profile_update(actor=customer, user=customer, interests=sectors[:1], name_en="Maryam",
                          emirates_id=VALID, mobile="050 123 4567", preferred_language="en")
    assert user.emirates_id.startswith("784-") and user.mobile == "+971501234567"
    assert list(user.interests.values_list("code", flat=True)) == ["health"]
    event = AuditEvent.objects.get(action="profile.updated")
    assert event.changes["name_en"] == ["", "Maryam"]
    assert event.changes["emirates_id"] == ["…", "…"]  # the identifier itself is not copied into the trail
    assert event.changes["interests"] == [[], ["health"]]


def test_bad_identifiers_change_nothing(customer):
    with pytest.raises(InvalidInput) as exc:
        profile_update(actor=customer, user=customer, name_en="Changed", emirates_id="784-1990-1234567-0",
                       mobile="123")
    assert set(exc.value.fields) == {"emirates_id", "mobile"}
    customer.refresh_from_db()
    assert customer.name_en == "" and not AuditEvent.objects.filter(action="profile.updated").exists()


def test_emirates_id_is_unique(people):
    profile_update(actor=people["customer"], user=people["customer"], emirates_id=VALID)
    with pytest.raises(InvalidInput) as exc:
        profile_update(actor=people["officer"], user=people["officer"], emirates_id=VALID)
    assert "emirates_id" in exc.value.fields


def test_profile_page_saves_and_shows_errors(client, customer, sectors):
    client.force_login(customer)
    page = client.get("/en/accounts/profile/")
    assert page.status_code == 200 and "My profile" in page.content.decode()
    bad = client.post("/en/accounts/profile/", {"preferred_language": "en", "mobile": "12", "name_en": "Keep me"})
    html = bad.content.decode()
    assert bad.status_code == 200 and 'aria-invalid="true"' in html and "Keep me" in html
    assert 'aria-describedby="id_mobile_help id_mobile_error"' in html
    ok = client.post("/en/accounts/profile/", {
        "preferred_language": "ar", "mobile": "0501234567", "name_en": "Maryam",
        "interests": [sectors[1].pk], "notify_email": "on",
    })
    assert ok.status_code == 302
    customer.refresh_from_db()
    assert customer.mobile == "+971501234567" and customer.notify_sms is False and customer.notify_email is True


def test_profile_requires_sign_in(client):
    response = client.get("/en/accounts/profile/")
    assert response.status_code == 302 and "/en/accounts/login/" in response["Location"]
