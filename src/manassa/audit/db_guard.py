"""Database triggers that make audit events append-only, on SQLite and PostgreSQL.

The application never updates or deletes an event; the triggers make sure
nothing else does by accident either. Someone able to drop a trigger can still
alter rows by hand, which is what ``manassa audit verify`` detects.

Installed by migration when ``MANASSA_AUDIT_DB_GUARD`` is on (the default).
The test settings turn it off because the test runner empties tables between
tests; the guard's own tests install it inside their transaction.
"""

_SQL = {
    "sqlite": (
        [
            """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
               BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
            """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
               BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
        ],
        ["DROP TRIGGER IF EXISTS audit_event_no_update;", "DROP TRIGGER IF EXISTS audit_event_no_delete;"],
    ),
    "postgresql": (
        [
            """CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;""",
            """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_auditevent
               FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();""",
            """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
               FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();""",
        ],
        [
            "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;",
            "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent;",
            "DROP FUNCTION IF EXISTS audit_event_refuse_change();",
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
