"""Database triggers that make ledger entries append-only, on SQLite and PostgreSQL (as ``audit.db_guard``).

Installed by migration when ``MANASSA_AUDIT_DB_GUARD`` is on (the default);
the test settings turn it off because the runner empties tables between tests,
and the guard's own test installs it inside its transaction.
"""

_SQL = {
    "sqlite": (
        [
            """CREATE TRIGGER payments_ledger_no_update BEFORE UPDATE ON payments_ledgerentry
               BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;""",
            """CREATE TRIGGER payments_ledger_no_delete BEFORE DELETE ON payments_ledgerentry
               BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;""",
        ],
        ["DROP TRIGGER IF EXISTS payments_ledger_no_update;", "DROP TRIGGER IF EXISTS payments_ledger_no_delete;"],
    ),
    "postgresql": (
        [
            """CREATE OR REPLACE FUNCTION payments_ledger_refuse_change() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END; $$ LANGUAGE plpgsql;""",
            """CREATE TRIGGER payments_ledger_no_change BEFORE UPDATE OR DELETE ON payments_ledgerentry
               FOR EACH ROW EXECUTE FUNCTION payments_ledger_refuse_change();""",
            """CREATE TRIGGER payments_ledger_no_truncate BEFORE TRUNCATE ON payments_ledgerentry
               FOR EACH STATEMENT EXECUTE FUNCTION payments_ledger_refuse_change();""",
        ],
        [
            "DROP TRIGGER IF EXISTS payments_ledger_no_truncate ON payments_ledgerentry;",
            "DROP TRIGGER IF EXISTS payments_ledger_no_change ON payments_ledgerentry;",
            "DROP FUNCTION IF EXISTS payments_ledger_refuse_change();",
        ],
    ),
}


def install(connection) -> None:
    up, _down = _SQL.get(connection.vendor, ([], []))
    with connection.cursor() as cursor:
        for sql in up:
            cursor.execute(sql)


def uninstall(connection) -> None:
    _up, down = _SQL.get(connection.vendor, ([], []))
    with connection.cursor() as cursor:
        for sql in down:
            cursor.execute(sql)
