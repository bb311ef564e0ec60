"""The SLA sweep with a frozen clock: working hours of the Sharjah calendar and the December 2026 holidays.

A complaint with an 8-working-hour deadline sent on Monday 30 November 2026 at 14:30 (Dubai) has one hour
that day; Tuesday 1 December (Commemoration Day) and Wednesday–Thursday 2–3 December (National Day) are
public holidays and Friday–Sunday are off, so the remaining seven hours run on Monday 7 December from 07:30:
due at 14:30.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from manassa.complaints import services
from manassa.complaints.models import CaseEvent, CaseState
from manassa.complaints.tests.factories import make_category
from manassa.core import events

pytestmark = pytest.mark.django_db
DUBAI = ZoneInfo("Asia/Dubai")


def at(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=DUBAI)


@pytest.fixture
def heard():
    seen = []

    def listener(event):
        seen.append(event)

    events.subscribe("case.", listener)
    yield seen
    events.unsubscribe("case.", listener)


@pytest.fixture
def case(entity_a):
    category = make_category(entity=entity_a, code="A-SLA", sla_hours={"complaint": 8})
    with time_machine.travel(datetime(2026, 11, 30, 14, 30, tzinfo=DUBAI), tick=False):
        return services.case_submit(actor=None, kind="complaint", description="Water leak",
                                    category=category).case


def sweep(moment):
    with time_machine.travel(moment, tick=False):
        return services.case_sla_sweep()


def test_deadline_skips_holidays_and_weekend(case):
    assert case.due_at == at(7, 14, 30)
    assert case.ack_due_at == at(7, 14, 30)  # 8 working hours to acknowledge as well
    assert case.remind_at == at(7, 12, 30)  # a quarter of the time left


def test_escalation_supervisor_then_digital_office(case, heard):
    # During the holidays and the weekend nothing is due.
    assert sweep(at(3, 12)) == {"reminded": 0, "escalated_supervisor": 0, "escalated_digital_office": 0, "closed": 0}
    assert sweep(at(7, 13))["reminded"] == 1
    assert sweep(at(7, 13, 5))["reminded"] == 0  # once
    assert sweep(at(7, 14, 29))["escalated_supervisor"] == 0
    assert sweep(at(7, 14, 31))["escalated_supervisor"] == 1
    assert sweep(at(7, 14, 40))["escalated_supervisor"] == 0  # safe to run twice
    case.refresh_from_db()
    assert case.escalation_level == 1 and case.sla_breached_at == at(7, 14, 31)
    # 16 more working hours: 59 minutes on Monday, Tuesday's eight, seven hours and one minute on Wednesday.
    assert case.escalate_again_at == at(9, 14, 31)
    assert sweep(at(9, 14, 30))["escalated_digital_office"] == 0
    assert sweep(at(9, 14, 32))["escalated_digital_office"] == 1
    assert sweep(at(9, 15))["escalated_digital_office"] == 0
    case.refresh_from_db()
    assert case.escalation_level == 2
    escalations = [e.data for e in heard if e.kind == "case.escalated"]
    assert escalations == [{"reference": case.reference, "kind": "complaint", "state": "new", "level": 1,
                            "to": "supervisor"},
                           {"reference": case.reference, "kind": "complaint", "state": "new", "level": 2,
                            "to": "digital_office"}]
    assert CaseEvent.objects.filter(case=case, action="escalated", internal=True).count() == 2


def test_resolved_in_time_is_not_escalated_and_closes_after_the_reopen_period(case, people, settings):
    settings.MANASSA_CASE_REOPEN_DAYS = 3
    with time_machine.travel(at(7, 10), tick=False):
        services.case_transition(actor=people["officer"], case=case, action="resolve", comment="Repaired")
    assert sweep(at(8, 10))["escalated_supervisor"] == 0
    assert sweep(at(10, 9, 59))["closed"] == 0
    assert sweep(at(10, 10, 1))["closed"] == 1
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_at is not None


def test_waiting_for_the_reporter_stops_the_clock(case, people):
    with time_machine.travel(at(7, 9, 30), tick=False):  # 3 of the 8 hours used: 5 left
        services.case_transition(actor=people["officer"], case=case, action="request_info", comment="Address?")
    assert sweep(at(14, 12))["escalated_supervisor"] == 0
    with time_machine.travel(at(14, 10), tick=False):
        case = services.case_transition(actor=None, case=case, action="provide_info", comment="Here",
                                        as_reporter=True)
    assert case.due_at == at(14, 15)
    assert sweep(at(14, 15, 1))["escalated_supervisor"] == 1
