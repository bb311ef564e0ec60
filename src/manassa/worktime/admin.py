"""Django admin for the Digital Office's operators. Every save goes through services.py.

The admin's own ``save()``/``delete()`` would skip the audit event and the
revision bump that tells running processes to reload the calendar.
"""

from django.contrib import admin

from manassa.worktime import services
from manassa.worktime.models import Holiday, WorkingCalendar


class HolidayInline(admin.TabularInline):
    model = Holiday
    fields = ["date", "name_ar", "name_en", "working_hours", "is_estimate"]
    extra = 0
    ordering = ["date"]


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ar", "name_en", "time_zone", "updated_at"]
    search_fields = ["code", "name_ar", "name_en"]
    fields = ["code", "name_ar", "name_en", "time_zone", "schedule"]
    inlines = [HolidayInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Deadlines already computed refer to a calendar by code; retire one by editing it.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.calendar_create(
                actor=request.user, code=data["code"], name_ar=data["name_ar"], name_en=data["name_en"],
                time_zone=data["time_zone"], schedule=data["schedule"],
            )
            obj.pk = created.pk
            return
        profile = {name: data[name] for name in services.CALENDAR_PROFILE_FIELDS if name in form.changed_data}
        if profile:
            services.calendar_update(actor=request.user, calendar=obj, **profile)
        if "schedule" in form.changed_data:
            services.calendar_update_schedule(actor=request.user, calendar=obj, schedule=data["schedule"])
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        calendar = form.instance
        # The admin's change message reads these three lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            holiday = inline_form.instance
            if inline_form in formset.deleted_forms:
                if holiday.pk is not None:
                    services.holiday_remove(actor=request.user, holiday=holiday)
                    formset.deleted_objects.append(holiday)
                continue
            if not inline_form.has_changed():
                continue
            data = {name: inline_form.cleaned_data[name] for name in services.HOLIDAY_FIELDS}
            if holiday.pk is None:
                formset.new_objects.append(services.holiday_add(actor=request.user, calendar=calendar, **data))
            else:
                services.holiday_update(actor=request.user, holiday=holiday, **data)
                formset.changed_objects.append((holiday, inline_form.changed_data))
