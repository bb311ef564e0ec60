"""Database triggers that make a table append-only, on SQLite and PostgreSQL.

The application never updates or deletes such rows (audit events, ledger
entries); the triggers make sure nothing else does by accident either.
Someone able to drop a trigger can still alter rows by hand — which is what
the hash chain of the audit trail detects.

Installed by each app's migration when ``MANASSA_AUDIT_DB_GUARD`` is on (the
default). The test settings turn it off because the test runner empties
tables between tests; the guards' own tests install them inside their
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AppendOnlyGuard:
    table: str  # e.g. "audit_auditevent"
    prefix: str  # names the triggers and function: "<prefix>_no_update", "<prefix>_refuse_change"…
    message: str  # what a refused statement says

    def _sql(self, vendor: str) -> tuple[list[str], list[str]]:
        t, p, m = self.table, self.prefix, self.message
        if vendor == "sqlite":
            return (
                [f"CREATE TRIGGER {p}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, '{m}'); END;",
                 f"CREATE TRIGGER {p}_no_delete BEFORE DELETE ON {t} BEGIN SELECT RAISE(ABORT, '{m}'); END;"],
                [f"DROP TRIGGER IF EXISTS {p}_no_update;", f"DROP TRIGGER IF EXISTS {p}_no_delete;"],
            )
        if vendor == "postgresql":
            return (
                [f"""CREATE OR REPLACE FUNCTION {p}_refuse_change() RETURNS trigger AS $$
                     BEGIN RAISE EXCEPTION '{m}'; END; $$ LANGUAGE plpgsql;""",
                 f"""CREATE TRIGGER {p}_no_change BEFORE UPDATE OR DELETE ON {t}
                     FOR EACH ROW EXECUTE FUNCTION {p}_refuse_change();""",
                 f"""CREATE TRIGGER {p}_no_truncate BEFORE TRUNCATE ON {t}
                     FOR EACH STATEMENT EXECUTE FUNCTION {p}_refuse_change();"""],
                [f"DROP TRIGGER IF EXISTS {p}_no_truncate ON {t};",
                 f"DROP TRIGGER IF EXISTS {p}_no_change ON {t};",
                 f"DROP FUNCTION IF EXISTS {p}_refuse_change();"],
            )
        return [], []

    def install(self, connection) -> None:
        up, _down = self._sql(connection.vendor)
        with connection.cursor() as cursor:
            for sql in up:
                cursor.execute(sql)

    def uninstall(self, connection) -> None:
        _up, down = self._sql(connection.vendor)
        with connection.cursor() as cursor:
            for sql in down:
                cursor.execute(sql)
