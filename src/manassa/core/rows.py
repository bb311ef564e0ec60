"""Row writes the ORM cannot make in one statement."""

from __future__ import annotations

import functools

from django.db import connections, models, router


def insert_unless_present(obj: models.Model) -> bool:
    """Insert ``obj`` unless a unique constraint already holds such a row; whether it was inserted.

    One ``INSERT … ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite), outside any
    transaction of its own: in autocommit it is one statement and one commit,
    where ``bulk_create(ignore_conflicts=True)`` adds ``BEGIN`` and ``COMMIT``
    round trips. For hot paths that store one row per request (a gateway's
    callback). Field defaults and ``pre_save`` (``auto_now_add``) apply; the
    primary key is not read back.
    """
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    sql, fields = _insert_sql(model, alias)
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.rowcount == 1


@functools.cache
def _insert_sql(model: type[models.Model], alias: str) -> tuple[str, list]:
    quote = connections[alias].ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Only quoted names from the model's own metadata are formatted in; every value is a parameter.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    return sql, fields


def update_each(objs: list[models.Model], fields: list[str], *, batch_size: int = 500) -> int:
    """Write each object's own values of ``fields`` to its row; one ``UPDATE … CASE`` per ``batch_size`` rows.

    What ``QuerySet.bulk_update`` does, built as plain SQL: building and
    resolving its ``Case``/``When`` expressions costs more Python than the
    statement costs the database (profiled, settling 1,000 payment callbacks
    spent 2.4 of its 3.3 s in ``bulk_update``). A field whose value is the same for every row of the batch is set
    once, without a ``CASE``. Values go through each field's ``get_db_prep_save``,
    as a save does; ``auto_now`` is not applied (set it on the objects). Returns
    rows updated.
    """
    if not objs:
        return 0
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    # PostgreSQL types a CASE of parameters as text: each value is cast to its column's type (SQLite must not be:
    # its CAST to "datetime" would make a number of a date).
    casted = connection.features.requires_casted_case_in_updates
    targets = [model._meta.get_field(name) for name in fields]
    updated = 0
    for start in range(0, len(objs), batch_size):
        chunk = objs[start:start + batch_size]
        keys = [pk.get_db_prep_value(obj.pk, connection) for obj in chunk]
        sets, params = [], []
        for field in targets:
            column = quote(field.column)
            values = [getattr(obj, field.attname) for obj in chunk]
            if all(value == values[0] and type(value) is type(values[0]) for value in values):
                # The same for every row (a batch settled at one moment): set once, no CASE to evaluate per row.
                sets.append(f"{column} = %s")
                params.append(field.get_db_prep_save(values[0], connection))
                continue
            mark = f"CAST(%s AS {field.cast_db_type(connection)})" if casted else "%s"
            sets.append(f"{column} = CASE {quote(pk.column)} {' '.join([f'WHEN %s THEN {mark}'] * len(chunk))} "
                        f"ELSE {column} END")
            for key, value in zip(keys, values, strict=True):
                params += [key, field.get_db_prep_save(value, connection)]
        marks = ", ".join(["%s"] * len(chunk))
        sql = (f"UPDATE {quote(model._meta.db_table)} SET {', '.join(sets)} "  # noqa: S608 — names are the model's
               f"WHERE {quote(pk.column)} IN ({marks})")
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *keys])
            updated += cursor.rowcount
    return updated
