"""The Sharjah government and UAE federal government calendars with the 2026–2027 public holidays.

Installation data, not an operator's edit, so it writes no audit event; later
changes go through services.py. The data lives in ``manassa.worktime.defaults``.
"""

from django.db import migrations


def install(apps, schema_editor):
    from manassa.worktime.defaults import install_defaults

    install_defaults(apps.get_model("worktime", "WorkingCalendar"), apps.get_model("worktime", "Holiday"))


class Migration(migrations.Migration):
    dependencies = [("worktime", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
