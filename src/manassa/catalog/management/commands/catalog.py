"""``manassa catalog import|export|search|evaluate``: the catalog interchange format on the command line.

``import`` and ``export`` read and write ``manassa-catalog/1`` documents (see
docs/catalog-format.md). ``search`` and ``evaluate`` belong to the search
engine (manassa.catalog.search); this command only parses their arguments.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manassa.catalog.interchange import (
    KINDS,
    CatalogImportReport,
    InvalidCatalog,
    catalog_export_json,
    catalog_import,
    catalog_parse,
)

KIND_LABELS = {"entities": gettext_lazy("entities"), "sectors": gettext_lazy("sectors"),
               "life_events": gettext_lazy("life events"), "services": gettext_lazy("services")}


class Command(BaseCommand):
    help = "Import, export and search the service catalog (format manassa-catalog/1)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export,search,evaluate}")

        importer = actions.add_parser("import", help="apply a catalog file: all of it or, on any error, nothing")
        importer.add_argument("file", help="the JSON file, or - for standard input")
        importer.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
        importer.add_argument("--prune", action="store_true",
                              help="retire the services of the file's entities that the file does not list")

        exporter = actions.add_parser("export", help="write the whole catalog, retired services included")
        exporter.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

        search = actions.add_parser("search", help="search the catalog")
        search.add_argument("query", nargs="?", help="the words to look for")
        search.add_argument("--lang", choices=["ar", "en"], help="the language of the query")
        search.add_argument("--limit", type=_positive, default=10, help="how many results (default 10)")
        search.add_argument("--json", action="store_true", dest="as_json", help="print JSON")
        search.add_argument("--stdin", action="store_true", help="read one query a line from standard input")
        search.add_argument("--jsonl", action="store_true", help="print one JSON object a line")

        evaluate = actions.add_parser("evaluate", help="measure search quality on a file of judged queries")
        evaluate.add_argument("queries", metavar="QUERIES.jsonl",
                              help='lines of {"q": "...", "relevant": ["CODE", ...]}')

    # English whatever LANGUAGE_CODE says: other tools read these lines (as with Django's own makemigrations).
    @no_translations
    def handle(self, *args, action: str, **options):
        return getattr(self, f"handle_{action}")(**options)

    # import / export ---------------------------------------------------------

    def handle_import(self, *, file: str, dry_run: bool, prune: bool, **options) -> None:
        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(_("cannot read %(file)s: %(reason)s") % {"file": file, "reason": exc.strerror}) \
                from exc
        try:
            report = catalog_import(actor=None, document=catalog_parse(raw), dry_run=dry_run, prune=prune)
        except InvalidCatalog as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(exc.message) from exc
        self._print_report(report, verbosity=options["verbosity"])

    def _print_report(self, report: CatalogImportReport, *, verbosity: int) -> None:
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        elif not report.changed:
            self.stdout.write(_("Nothing to change: the catalog already matches the file."))
            return
        else:
            self.stdout.write(_("Catalog imported."))
        for kind in KINDS:
            counts = {"kind": KIND_LABELS[kind], "created": len(report.created[kind]),
                      "updated": len(report.updated[kind]), "retired": len(report.retired)}
            if kind != "services":
                line = _("%(kind)s: %(created)d created, %(updated)d updated") % counts
            else:
                line = _("%(kind)s: %(created)d created, %(updated)d updated, %(retired)d retired") % counts
            self.stdout.write(line)
        # A dry run is read to decide; list the codes. A real import lists them on request (-v 2).
        if report.dry_run or verbosity >= 2:
            lines = (_("  created %(kind)s: %(codes)s"), report.created), \
                    (_("  updated %(kind)s: %(codes)s"), report.updated), \
                    (_("  retired %(kind)s: %(codes)s"), {"services": report.retired})
            for line, codes_by_kind in lines:
                for kind, codes in codes_by_kind.items():
                    if codes:
                        self.stdout.write(line % {"kind": KIND_LABELS[kind], "codes": ", ".join(codes)})

    def handle_export(self, *, output: str | None, **options) -> None:
        data = catalog_export_json().encode("utf-8")
        if output is None:
            stream = getattr(self.stdout._out, "buffer", None)
            if stream is None:  # a text stream, as in call_command(stdout=StringIO())
                self.stdout.write(data.decode("utf-8"), ending="")
            else:
                # Bytes, so the file is UTF-8 whatever the terminal's locale.
                self.stdout.flush()
                stream.write(data)
                stream.flush()
            return
        _write_atomically(Path(output), data)
        self.stderr.write(_("Catalog written to %(file)s.") % {"file": output})

    # search / evaluate: argument parsing here, the work in manassa.catalog.search --------

    def handle_search(self, *, query, lang, limit, as_json, stdin, jsonl, **options) -> None:
        if stdin == (query is not None):
            raise CommandError(_('Give either a QUERY or --stdin, e.g. search "driving licence" --json.'))
        run_search, _run_evaluate = _search_commands()
        code = run_search(query=query, lang=lang, limit=limit, as_json=as_json, stdin=stdin, jsonl=jsonl,
                          stdin_stream=sys.stdin, stdout=self.stdout)
        if code:
            raise CommandError(_("search failed"), returncode=code)

    def handle_evaluate(self, *, queries: str, **options) -> None:
        _run_search, run_evaluate = _search_commands()
        code = run_evaluate(path=queries, stdout=self.stdout)
        if code:
            raise CommandError(_("evaluation failed"), returncode=code)


def _search_commands():
    # Imported here: the search engine is optional for import and export.
    try:
        from manassa.catalog.search.commands import run_evaluate, run_search
    except ImportError as exc:
        raise CommandError(_("search is not available: %(reason)s") % {"reason": exc}) from exc
    return run_search, run_evaluate


def _positive(value: str) -> int:
    import argparse

    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(_("must be a whole number of 1 or more"))
    return number


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` only once the whole document is on disk, so a reader never sees half a file."""
    directory = path.resolve().parent
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        # mkstemp makes the file private; an export is as readable as any file the user writes.
        os.fchmod(handle, 0o666 & ~umask)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
