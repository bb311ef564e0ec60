from django.conf import settings
from django.db import migrations

from manassa.payments import db_guard


def install(apps, schema_editor):
    if getattr(settings, "MANASSA_AUDIT_DB_GUARD", True):
        db_guard.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    db_guard.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
