"""Every role on every certificates staff route, own entity and other entity — issued documents included.

The shared matrix (`accounts/tests/test_permission_matrix.py`) runs `matrix_rows.PAGES`; its fixture has no
issued documents yet, so the rows that need them run here, with the same people and placeholders.
"""

import pytest

from manassa.accounts.tests.matrix import matrix_row_check
from manassa.applications import services as applications
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.certificates.models import IssuedDocument
from manassa.certificates.tests.conftest import FORM
from manassa.certificates.tests.matrix_rows import (
    ISSUED_DOCUMENT_PAGES,
    PAGES,
    ROLES,
    fixture_documents,
)

ROWS = PAGES + ISSUED_DOCUMENT_PAGES


@pytest.fixture
def keys(people, entity_a, entity_b):
    sector = make_sector()
    for entity, code in ((entity_a, "A-APPLY"), (entity_b, "B-APPLY")):
        service = make_service(entity=entity, sector=sector, code=code, name_ar="خدمة", name_en="Service")
        applications.service_form_publish(actor=None, service=service, definition=FORM)
        applications.service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
    return fixture_documents(entity_a=entity_a, entity_b=entity_b, holder=people["customer"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ROWS, ids=[c[0] for c in ROWS])
def test_certificates_staff_pages(client, people, keys, role, case):
    matrix_row_check(client, people, keys, role, case)
    # Whatever was refused, nothing was revoked.
    assert not IssuedDocument.objects.filter(status="revoked").exists()
