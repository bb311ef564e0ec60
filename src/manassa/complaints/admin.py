from django.contrib import admin

from manassa.complaints.models import Category, Open311Client


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "entity", "name_en", "team", "is_public", "is_active")
    list_filter = ("is_public", "is_active", "entity")
    search_fields = ("code", "name_ar", "name_en")


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    # Keys are issued with open311_client_issue (the secret is shown once); the admin only lists and revokes.
    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "secret_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
