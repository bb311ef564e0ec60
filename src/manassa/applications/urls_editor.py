"""Back-office editors of a service's form and workflow definitions (drafts, preview, publish)."""

from django.urls import path

from manassa.applications import views_editor as views
from manassa.applications.definitions import FORM, WORKFLOW

# Mounted at /<lang>/backoffice/entities/<code>/services/<service_code>/definitions/.
app_name = "definitions"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("form/", views.form_editor, name="form_editor"),
    path("form/json/", views.form_json, name="form_json"),
    path("form/preview/", views.form_preview, name="form_preview"),
    path("form/preview/live/", views.form_preview_live, name="form_preview_live"),
    path("form/publish/", views.publish, {"kind": FORM}, name="form_publish"),
    path("form/discard/", views.discard, {"kind": FORM}, name="form_discard"),
    path("workflow/", views.workflow_editor, name="workflow_editor"),
    path("workflow/template/", views.workflow_template, name="workflow_template"),
    path("workflow/publish/", views.publish, {"kind": WORKFLOW}, name="workflow_publish"),
    path("workflow/discard/", views.discard, {"kind": WORKFLOW}, name="workflow_discard"),
]
