"""The entity's issued documents: list, revoke (``/<lang>/backoffice/documents/``); services' document settings.

"settings/" comes before the document numbers it would otherwise match.
"""

from django.urls import path

from manassa.certificates import views_admin as views

app_name = "certificates_admin"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("settings/", views.setting_list, name="settings"),
    path("settings/<str:service_code>/", views.setting_edit, name="setting"),
    path("<str:number>/", views.document_detail, name="detail"),
    path("<str:number>/pdf/", views.document_pdf, name="pdf"),
    path("<str:number>/revoke/", views.document_revoke, name="revoke"),
]
