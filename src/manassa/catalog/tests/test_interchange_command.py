"""``manassa catalog import|export|search|evaluate`` on the command line."""

import io
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from manassa.audit.models import AuditEvent
from manassa.catalog.interchange import catalog_dumps, catalog_export_json
from manassa.catalog.models import Service
from manassa.catalog.tests.test_interchange import sample


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions quote the English messages; the API's Arabic is tested separately."""
    from django.utils import translation

    with translation.override("en"):
        yield


ROOT = Path(__file__).resolve().parents[4]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def catalog_file(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(catalog_dumps(sample()), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_import_then_import_again(catalog_file):
    out, _err = run("import", str(catalog_file))
    assert out.splitlines()[:5] == [
        "Catalog imported.",
        "entities: 4 created, 0 updated",
        "sectors: 3 created, 0 updated",
        "life events: 2 created, 0 updated",
        "services: 4 created, 0 updated, 0 retired",
    ]
    out, _err = run("import", str(catalog_file))
    assert out == "Nothing to change: the catalog already matches the file.\n"


@pytest.mark.django_db
def test_dry_run_lists_codes_and_writes_nothing(catalog_file):
    out, _err = run("import", str(catalog_file), "--dry-run")
    assert out.splitlines()[0] == "Dry run: nothing was written."
    assert "  created services: BANK-1-ACCOUNT, GOV-A-HEALTH-CARD, GOV-OLD, GOV-WATER" in out.splitlines()
    assert not Service.objects.exists() and AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_prune_option(catalog_file):
    run("import", str(catalog_file))
    doc = sample()
    doc["services"] = [s for s in doc["services"] if s["code"] != "GOV-WATER"]
    catalog_file.write_text(json.dumps(doc), encoding="utf-8")
    out, _err = run("import", str(catalog_file), "--prune", "--dry-run")
    assert "services: 0 created, 0 updated, 1 retired" in out and "  retired services: GOV-WATER" in out
    run("import", str(catalog_file), "--prune")
    assert Service.objects.get(code="GOV-WATER").status == "retired"


@pytest.mark.django_db
def test_errors_go_to_stderr_all_of_them(catalog_file):
    doc = sample()
    doc["services"][0]["entity"] = "XYZ"
    doc["services"][3]["name"] = {"en": "Water"}
    catalog_file.write_text(json.dumps(doc), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="The catalog has 2 errors; nothing was changed."):
        call_command("catalog", "import", str(catalog_file), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == ["services[0].entity: unknown entity 'XYZ'",
                                           "services[3].name.ar: required"]
    assert not Service.objects.exists()


def test_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("import", str(tmp_path / "missing.json"))


@pytest.mark.django_db
def test_export_to_stdout_and_to_a_file(catalog_file, tmp_path):
    run("import", str(catalog_file))
    out, _err = run("export")
    assert out == catalog_export_json() == catalog_file.read_text(encoding="utf-8")
    target = tmp_path / "out.json"
    _out, err = run("export", "-o", str(target))
    assert target.read_bytes() == catalog_file.read_bytes()
    assert "Catalog written to" in err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_exit_status_and_message_from_a_real_process(tmp_path):
    # No database is touched before the file is parsed, so the process needs none.
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "manassa-catalog/1",\n "services": [}', encoding="utf-8")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", MANASSA_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "manassa.cli", "catalog", "import", str(bad)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "line 2 column 15: invalid JSON: Expecting value" in result.stderr
    assert "Traceback" not in result.stderr
    usage = subprocess.run([sys.executable, "-m", "manassa.cli", "catalog", "frobnicate"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


@pytest.fixture
def fake_search(monkeypatch):
    calls = []
    module = types.ModuleType("manassa.catalog.search.commands")

    def run_search(**kwargs):
        calls.append(("search", kwargs))
        kwargs["stdout"].write('{"query": "x", "results": []}')
        return 0

    def run_evaluate(**kwargs):
        calls.append(("evaluate", kwargs))
        return 3

    module.run_search, module.run_evaluate = run_search, run_evaluate
    monkeypatch.setitem(sys.modules, "manassa.catalog.search.commands", module)
    return calls


def test_search_arguments_are_passed_through(fake_search):
    out, _err = run("search", "رخصة قيادة", "--lang", "ar", "--limit", "5", "--json")
    assert out.startswith('{"query"')
    (name, kwargs), = fake_search
    assert name == "search"
    assert {k: v for k, v in kwargs.items() if k not in ("stdout", "stdin_stream")} == {
        "query": "رخصة قيادة", "lang": "ar", "limit": 5, "as_json": True, "stdin": False, "jsonl": False}
    run("search", "--stdin", "--jsonl")
    assert fake_search[1][1]["stdin"] and fake_search[1][1]["jsonl"] and fake_search[1][1]["query"] is None


def test_search_argument_errors(fake_search):
    with pytest.raises(CommandError, match="either a QUERY or --stdin"):
        run("search", "--json")
    with pytest.raises(CommandError, match="either a QUERY or --stdin"):
        run("search", "x", "--stdin")
    with pytest.raises(CommandError, match="invalid choice"):
        run("search", "x", "--lang", "fr")
    with pytest.raises(CommandError, match="1 or more"):
        run("search", "x", "--limit", "0")
    assert fake_search == []


def test_evaluate_passes_the_path_and_the_exit_status(fake_search, tmp_path):
    with pytest.raises(CommandError) as exc:
        run("evaluate", str(tmp_path / "queries.jsonl"))
    assert exc.value.returncode == 3
    assert fake_search[0][1]["path"] == str(tmp_path / "queries.jsonl")


def test_search_without_the_search_engine(monkeypatch):
    monkeypatch.setitem(sys.modules, "manassa.catalog.search.commands", None)
    with pytest.raises(CommandError, match="search is not available"):
        run("search", "x", "--json")
    with pytest.raises(CommandError, match="search is not available"):
        run("evaluate", "q.jsonl")
