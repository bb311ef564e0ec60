"""Every role on every survey staff route (the rows the platform's matrix runs), and the scoping behind them."""

import pytest
from django.urls import reverse

from manassa.surveys.selectors import access_survey, surveys_for
from manassa.surveys.tests import matrix_rows
from manassa.surveys.tests.factories import matrix_surveys


@pytest.fixture
def matrix(people, entity_a, entity_b):
    return matrix_surveys(entity_a=entity_a, entity_b=entity_b)


@pytest.mark.parametrize("role", matrix_rows.ROLES)
@pytest.mark.parametrize("case", matrix_rows.PAGES, ids=[c[0] for c in matrix_rows.PAGES])
def test_survey_staff_pages(client, people, matrix, role, case):
    _id, method, name, kwargs, expected = case
    if role != "anonymous":
        client.force_login(people[role])
    url = reverse(name, kwargs=kwargs)
    response = getattr(client, method)(url)
    if expected[role] == matrix_rows.LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected[role], (role, url)


def test_every_staff_route_has_rows():
    from django.urls import get_resolver

    resolver = get_resolver()
    names = {f"surveys_admin:{name}" for name in resolver.namespace_dict["surveys_admin"][1].reverse_dict
             if isinstance(name, str)}
    assert names == {row[2] for row in matrix_rows.PAGES}


def test_list_shows_only_readable_surveys(people, matrix):
    codes = lambda user: set(surveys_for(user).values_list("code", flat=True))  # noqa: E731
    assert codes(people["officer"]) == {"matrix-a", "matrix-a-draft"}
    assert codes(people["do_analyst"]) == set(matrix)
    assert codes(people["customer"]) == set()


def test_access_is_404_for_another_entity_and_403_for_a_reader_who_edits(people, matrix):
    from manassa.core.errors import Forbidden, NotFound

    with pytest.raises(NotFound):
        access_survey(people["admin"], "matrix-b")
    with pytest.raises(NotFound):
        access_survey(people["admin"], "matrix-do")
    with pytest.raises(Forbidden):
        access_survey(people["officer"], "matrix-a", edit=True)
    with pytest.raises(Forbidden):
        access_survey(people["do_admin"], "matrix-a", edit=True)
    assert access_survey(people["do_admin"], "matrix-do-draft", edit=True).code == "matrix-do-draft"


def test_admin_of_entity_a_cannot_create_for_entity_b_or_the_digital_office(client, people, matrix):
    from manassa.surveys.models import Survey
    from manassa.surveys.tests.factories import survey_state

    client.force_login(people["admin"])
    for owner in ("ENT-B", "do"):
        data = _post_data(survey_state(f"sneaky-{owner.lower()}"), owner=owner)
        response = client.post(reverse("surveys_admin:new"), data)
        assert response.status_code == 404
        assert not Survey.objects.filter(code=f"sneaky-{owner.lower()}").exists()
    response = client.post(reverse("surveys_admin:new"), _post_data(survey_state("mine-a"), owner="ENT-A"))
    assert response.status_code == 302
    assert Survey.objects.get(code="mine-a").entity.code == "ENT-A"


def _post_data(state: dict, **extra) -> dict:
    data = {key: value for key, value in state.items() if isinstance(value, str)}
    for flag in ("anonymous", "by_link"):
        if state.get(flag):
            data[flag] = "on"
    data["services"] = state.get("services", [])
    data["question-count"] = str(len(state["questions"]))
    for i, q in enumerate(state["questions"]):
        for key, value in q.items():
            if isinstance(value, str):
                data[f"q{i}-{key}"] = value
        if q.get("required"):
            data[f"q{i}-required"] = "on"
        options = q.get("options", [])
        data[f"q{i}-option-count"] = str(len(options))
        for j, o in enumerate(options):
            for key, value in o.items():
                data[f"q{i}-o{j}-{key}"] = value
    data.update(extra)
    return data
