"""The public statistics page: totals per entity, the median time to resolve, satisfaction — and nothing personal."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from manassa.complaints import services
from manassa.complaints.selectors import public_statistics
from manassa.complaints.tests.factories import make_category


def _case(entity, code, **kwargs):
    return services.case_submit(actor=None, kind="complaint", description="Water leak in the street",
                                category=make_category(entity=entity, code=code), contact_email="x@example.test",
                                **kwargs).case


def test_statistics_per_entity(client, entity_a, entity_b, people):
    start = timezone.now().replace(microsecond=0)
    resolved = []
    for hours in (2, 4, 30):
        with time_machine.travel(start, tick=False):
            case = _case(entity_a, f"A-{hours}")
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            resolved.append(services.case_transition(actor=people["officer"], case=case, action="resolve",
                                                     comment="Fixed."))
    with time_machine.travel(start, tick=False):
        _case(entity_a, "A-OPEN")
        _case(entity_b, "B-OPEN")
    services.case_rate(actor=None, case=resolved[0], score=3, as_reporter=True)
    services.case_rate(actor=None, case=resolved[1], score=1, as_reporter=True)
    services.case_submit(actor=None, kind="complaint", description="Unrouted")  # waits for triage: not counted

    rows = {row.entity.code: row for row in public_statistics(now=start + timedelta(days=2))}
    assert set(rows) == {"ENT-A", "ENT-B"}
    a = rows["ENT-A"]
    assert (a.received, a.resolved, a.median_hours, a.rated, a.happy_percent) == (4, 3, 4, 2, 50)
    assert (rows["ENT-B"].received, rows["ENT-B"].resolved, rows["ENT-B"].median_hours) == (1, 0, None)
    # Older than the period: not counted.
    assert public_statistics(now=start + timedelta(days=400)) == []

    page = client.get("/en/feedback/statistics/")
    text = page.content.decode()
    assert page.status_code == 200 and "4 hours" in text and "50%" in text
    assert "x@example.test" not in text and "Water leak" not in text and resolved[0].reference not in text
