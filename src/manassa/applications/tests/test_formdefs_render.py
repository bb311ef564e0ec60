"""Drawing form pages and the answers summary: parsed back as HTML and checked for accessibility."""

import random
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import translation

from manassa.applications.formdefs import (
    answers_clean,
    definition_validate,
    page_context,
    render_page,
    render_summary,
    summary_sections,
)
from manassa.applications.formdefs.example import EXAMPLE
from manassa.applications.tests.test_formdefs_answers import CLEANED, EID_DASHED, _random_value, full_answers

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "area", "base", "col", "embed", "track"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children: list = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def ancestor(self, tag):
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node

    @property
    def classes(self) -> set:
        return set((self.attrs.get("class") or "").split())


class Tree(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.root = Node("#root", {}, None)
        self.current = self.root
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None, f"</{tag}> closes nothing"
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html) -> Node:
    return Tree(str(html)).root


@pytest.fixture(autouse=True)
def _templates_and_a_fixed_day(settings):
    # Until the applications app is registered, its templates are found by adding it here.
    if "manassa.applications" not in settings.INSTALLED_APPS:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "manassa.applications"]
    with time_machine.travel("2026-03-01 10:00 +04:00", tick=False), translation.override("en"):
        yield


def assert_accessible_form(root: Node):
    """Every control is labelled, ids are unique, descriptions and errors are linked, nothing inline."""
    ids = [n.attrs["id"] for n in root.walk() if "id" in n.attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    labels = {n.attrs.get("for"): n for n in root.find_all("label")}
    controls = [n for n in root.walk() if n.tag in ("select", "textarea")
                or (n.tag == "input" and n.attrs.get("type") not in ("hidden", "submit"))]
    for control in controls:
        assert control.attrs.get("id") in labels, f"no label for {control.attrs}"
        assert labels[control.attrs["id"]].text.strip()
        if control.attrs.get("type") in ("radio", "checkbox"):
            fieldset = control.ancestor("fieldset")
            assert fieldset is not None and fieldset.children and fieldset.find_all("legend")
            assert "aria-invalid" not in control.attrs
    for node in root.walk():
        for target in (node.attrs.get("aria-describedby") or "").split():
            assert target in ids, f"aria-describedby points to missing {target}"
        if node.attrs.get("aria-invalid") == "true":
            described = node.attrs.get("aria-describedby", "").split()
            assert any(d.endswith("_error") for d in described)
        assert "style" not in node.attrs and not any(a.startswith("on") for a in node.attrs)
        assert node.tag not in ("script", "style")
    for error in (n for n in root.walk() if "error-message" in n.classes):
        linked = [n for n in root.walk() if error.attrs["id"] in (n.attrs.get("aria-describedby") or "").split()]
        assert linked, f"error {error.attrs['id']} is linked to nothing"


def by_name(root, name):
    return [n for n in root.walk() if n.attrs.get("name") == name]


# --- pages ------------------------------------------------------------------------------


def test_first_page_is_accessible_with_profile_hints():
    html = render_page(EXAMPLE, "applicant", values={"full_name": "علي"})
    root = parse(html)
    assert_accessible_form(root)
    form = root.find_all("form")[0]
    assert form.attrs.get("method") == "post" and "novalidate" in form.attrs and "enctype" not in form.attrs
    assert by_name(root, "full_name")[0].attrs["value"] == "علي"
    assert by_name(root, "full_name")[0].attrs["autocomplete"] == "name"
    latin = by_name(root, "name_latin")[0]
    assert latin.attrs["lang"] == "en" and latin.attrs["dir"] == "ltr"
    eid = by_name(root, "emirates_id")[0]
    assert eid.attrs["inputmode"] == "numeric" and eid.attrs["dir"] == "ltr" and "required" in eid.attrs
    assert eid.attrs["aria-describedby"] == "id_emirates_id_hint"
    mobile = by_name(root, "mobile")[0]
    assert (mobile.attrs["type"], mobile.attrs["inputmode"], mobile.attrs["autocomplete"]) == ("tel", "tel", "tel")
    assert by_name(root, "email")[0].attrs["autocomplete"] == "email"
    born = by_name(root, "birth_date")[0]
    assert born.attrs["type"] == "date" and born.attrs["max"] == "2008-03-01"
    home = root.find_all("fieldset", id="id_home")[0]
    assert home.find_all("legend")[0].text.startswith("Home address")
    emirate = by_name(root, "home-emirate")[0]
    assert emirate.tag == "select" and emirate.attrs["autocomplete"] == "address-level1"
    assert [o.attrs["value"] for o in emirate.find_all("option")] == ["", "SHJ"]
    assert by_name(root, "home-street")[0].attrs["autocomplete"] == "address-line1"
    assert "<script" not in html and "style=" not in html


def test_errors_are_summarised_linked_and_marked():
    raw = {"full_name": "", "emirates_id": "784", "home": {"street": "x"}}
    errors = answers_clean(EXAMPLE, raw, page="applicant").errors
    root = parse(render_page(EXAMPLE, "applicant", values=raw, errors=errors))
    assert_accessible_form(root)
    eid = by_name(root, "emirates_id")[0]
    assert eid.attrs["aria-invalid"] == "true"
    assert eid.attrs["aria-describedby"] == "id_emirates_id_hint id_emirates_id_error"
    assert eid.attrs["value"] == "784"  # shown back as typed
    error = root.find_all(id="id_emirates_id_error")[0]
    assert "Enter the Emirates ID" in error.text and error.text.startswith("Error:")
    wrapper = eid.ancestor("div").parent
    assert "control-error" in wrapper.classes
    summary = root.find_all(role="alert")[0]
    links = {a.attrs["href"]: a.text for a in summary.find_all("a")}
    assert links["#id_full_name"] == "Full name: This field is required."
    assert links["#id_home-emirate"] == "Home address — Emirate: Select the emirate."
    assert "#id_mobile" in links and "#id_birth_date" in links
    for href in links:
        assert root.find_all(id=href[1:]), href


def test_radios_checkboxes_and_money():
    raw = {"permit_type": "business", "zones": ["Z2"], "deposit": "12.5"}
    errors = answers_clean(EXAMPLE, {**raw, "zones": ["Z1", "Z2", "Z3"]}, page="permit").errors
    root = parse(render_page(EXAMPLE, "permit", values=raw, errors=errors))
    assert_accessible_form(root)
    radios = by_name(root, "permit_type")
    assert [r.attrs["type"] for r in radios] == ["radio"] * 3
    assert [("checked" in r.attrs) for r in radios] == [False, False, True]
    zones = root.find_all("fieldset", id="id_zones")[0]
    assert zones.attrs["aria-describedby"] == "id_zones_error"
    assert [("checked" in c.attrs) for c in by_name(root, "zones")] == [False, True, False]
    assert "company_name" in {n.attrs.get("name") for n in root.walk()}  # shown: permit_type is business
    deposit = by_name(root, "deposit")[0]
    assert deposit.attrs["inputmode"] == "decimal" and deposit.attrs["value"] == "12.5"
    assert deposit.attrs["aria-describedby"] == "id_deposit_suffix"
    assert root.find_all(id="id_deposit_suffix")[0].text == "AED"
    assert by_name(root, "months")[0].attrs["inputmode"] == "numeric"


def test_conditional_fields_follow_the_answers_given():
    hidden = parse(render_page(EXAMPLE, "permit", values={"permit_type": "resident"}))
    assert not by_name(hidden, "company_name") and not by_name(hidden, "deposit")
    assert by_name(parse(render_page(EXAMPLE, "permit", values={"permit_type": "visitor"})), "deposit")


def test_a_repeatable_group_works_without_javascript():
    raw = {"has_vehicle": "yes", "vehicles": [{"plate": "3 1", "rented": "yes"}, {"plate": ""}]}
    errors = answers_clean(EXAMPLE, raw, page="cars").errors
    html = render_page(EXAMPLE, "cars", values=raw, errors=errors, action="/apply/permit/cars/")
    root = parse(html)
    assert_accessible_form(root)
    form = root.find_all("form")[0]
    assert form.attrs["enctype"] == "multipart/form-data" and form.attrs["action"] == "/apply/permit/cars/"
    buttons = form.find_all("button")
    assert "hidden" in buttons[0].attrs and "name" not in buttons[0].attrs  # Enter continues
    group = root.find_all("fieldset", id="id_vehicles")[0]
    assert group.find_all("legend")[0].text == "Your vehicles"
    assert by_name(root, "vehicles-count")[0].attrs == {"type": "hidden", "name": "vehicles-count", "value": "2"}
    items = [n for n in group.children if isinstance(n, Node) and n.tag == "fieldset"]
    assert [i.find_all("legend")[0].text for i in items] == ["Vehicle 1", "Vehicle 2"]
    assert [b.attrs["value"] for b in by_name(root, "_remove")] == ["vehicles-0", "vehicles-1"]
    assert by_name(root, "_remove")[0].text == "Remove Vehicle 1"
    assert by_name(root, "_add")[0].attrs["value"] == "vehicles" and by_name(root, "_add")[0].text == "Add Vehicle"
    contract = by_name(root, "vehicles-0-rental_contract")[0]  # rented: the file is asked for
    assert contract.attrs["type"] == "file" and contract.attrs["accept"] == "application/pdf,image/*"
    assert not by_name(root, "vehicles-1-rental_contract")
    assert [("checked" in r.attrs) for r in by_name(root, "vehicles-0-rented")] == [True, False]
    links = [a.text for a in root.find_all(role="alert")[0].find_all("a")]
    assert "Vehicle 2, Plate number: This field is required." in links
    assert "Vehicle 1, Rental contract: Upload a file." in links


def test_group_limits_hide_add_and_remove():
    full = {"has_vehicle": "yes", "vehicles": [{}, {}, {}]}
    root = parse(render_page(EXAMPLE, "cars", values=full))
    assert not by_name(root, "_add") and len(by_name(root, "_remove")) == 3
    single = parse(render_page(EXAMPLE, "cars", values={"has_vehicle": "yes"}))
    assert by_name(single, "vehicles-count")[0].attrs["value"] == "1"  # the minimum is drawn, blank
    assert not by_name(single, "_remove") and by_name(single, "vehicles-0-plate")


def test_arabic_page_uses_the_arabic_texts():
    with translation.override("ar"):
        root = parse(render_page(EXAMPLE, "cars", values={"has_vehicle": "yes"}))
    assert_accessible_form(root)
    labels = [label.text.replace("*", "").strip() for label in root.find_all("label")]
    assert "نعم" in labels and "رقم اللوحة" in labels and "Plate number" not in labels
    legends = [legend.text.replace("*", "").strip() for legend in root.find_all("legend")]
    assert legends[:3] == ["هل تملك مركبة؟", "مركباتك", "مركبة 1"]


def test_csrf_token_with_a_request():
    request = RequestFactory().get("/")
    root = parse(render_page(EXAMPLE, "documents", request=request, submit_label="Send"))
    assert by_name(root, "csrfmiddlewaretoken")
    assert root.find_all("form")[0].attrs["enctype"] == "multipart/form-data"
    assert root.find_all("button")[-1].text.strip() == "Send"
    assert "PDF" in root.find_all(id="id_trade_licence_hint")[0].text


def test_page_context_is_available_for_custom_templates():
    context = page_context(EXAMPLE, "permit", values={"permit_type": "resident"})
    assert context["title"] == "The permit" and [c.name for c in context["controls"]] == [
        "permit_type", "months", "zones", "start_date"]


def test_random_values_never_break_a_page():
    rng = random.Random(99)
    definition = definition_validate(EXAMPLE)
    for _attempt in range(150):
        raw = {rng.choice(list(definition.fields)): _random_value(rng) for _ in range(rng.randint(0, 10))}
        page = rng.choice(["applicant", "permit", "cars", "documents"])
        errors = answers_clean(definition, raw, page=page).errors
        assert_accessible_form(parse(render_page(definition, page, values=raw, errors=errors)))


# --- check your answers ------------------------------------------------------------------------


def rows(section):
    return {row.label: row for row in section.rows}


def test_summary_lists_what_was_answered_in_the_active_language():
    sections = summary_sections(EXAMPLE, CLEANED, change_url=lambda key: f"/apply/{key}/")
    assert [s.key for s in sections] == ["applicant", "permit", "cars", "documents"]
    applicant, permit, cars, documents = (rows(s) for s in sections)
    assert applicant["Emirates ID number"].text == EID_DASHED and applicant["Emirates ID number"].literal
    assert applicant["Date of birth"].text == "31 December 1990"
    assert applicant["Home address"].lines == ["Tower 5", "Al Majaz", "Sharjah"]
    assert permit["Deposit paid"].text == "1,250.50 AED"
    assert permit["Parking zones"].lines == ["Zone 1 - centre", "Zone 2 - corniche"]
    assert permit["Type of permit"].text == "Business"
    vehicles = cars["Your vehicles"].items
    assert [item.legend for item in vehicles] == ["Vehicle 1", "Vehicle 2"]
    assert [r.label for r in vehicles[0].rows] == ["Plate number", "Is the vehicle rented?"]
    assert rows(vehicles[1])["Rental contract"].text == "contract.pdf"
    assert rows(vehicles[0])["Is the vehicle rented?"].text == "No"
    assert cars["Notes"].lines == ["Line one", "Line two"]
    assert documents["Trade licence"].text == "licence.pdf"
    with translation.override("ar"):
        arabic = summary_sections(EXAMPLE, CLEANED)
    assert rows(arabic[1])["مبلغ التأمين المدفوع"].text == "1,250.50 درهم"
    assert rows(arabic[0])["عنوان السكن"].lines[-1] == "الشارقة"
    assert rows(arabic[2])["هل تملك مركبة؟"].text == "نعم"


def test_summary_leaves_out_hidden_fields_and_says_what_was_not_given():
    values = answers_clean(EXAMPLE, {**full_answers(), "permit_type": "resident", "email": ""}).values
    sections = summary_sections(EXAMPLE, values)
    assert [s.key for s in sections] == ["applicant", "permit", "cars"]
    permit = rows(sections[1])
    assert "Business name" not in permit and "Deposit paid" not in permit
    assert rows(sections[0])["E-mail address"].text == "Not provided"


def test_summary_renders_as_a_description_list():
    html = render_summary(EXAMPLE, CLEANED, change_url=lambda key: f"/apply/{key}/")
    root = parse(html)
    assert [h.text for h in root.find_all("h2")] == ["About you", "The permit", "Vehicles", "Documents"]
    terms = [dt.text for dt in root.find_all("dt")]
    assert "Plate number" in terms and "Deposit paid" in terms
    literal = [n for n in root.walk() if "literal" in n.classes and n.text == EID_DASHED]
    assert literal and literal[0].attrs["dir"] == "ltr"
    change = [a for a in root.find_all("a") if a.attrs.get("href") == "/apply/cars/"][0]
    assert change.text == "Change Vehicles"
    assert "1,250.50 AED" in html and "style=" not in html
