from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from config.api import api
from manassa.catalog.backoffice_urls import backoffice_urlpatterns, review_urlpatterns
from manassa.core import views as core_views
from manassa.entities.urls import digital_office_urlpatterns

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("open311/v2/", include("manassa.complaints.urls_open311")),
    path("payments/", include("manassa.payments.urls_callback")),
    path("sandbox-gateway/", include("manassa.payments.sandbox.urls")),
    path("sandbox-billers/", include("manassa.bills.sandbox.urls")),
    path("admin/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", include("manassa.core.urls")),
    path("", include("manassa.catalog.urls")),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("manassa.accounts.urls")),
    path("requests/", include("manassa.applications.urls_customer")),
    path("notifications/", include("manassa.notifications.urls")),
    path("feedback/", include("manassa.complaints.urls")),
    path("payments/", include("manassa.payments.urls")),
    path("bills/", include("manassa.bills.urls")),
    path("backoffice/cases/", include("manassa.complaints.urls_admin")),
    path("surveys/", include("manassa.surveys.urls")),
    path("backoffice/surveys/", include("manassa.surveys.urls_admin")),
    path("", include("manassa.certificates.urls")),
    path("backoffice/documents/", include("manassa.certificates.urls_admin")),
    path("backoffice/entities/<str:code>/notifications/", include("manassa.notifications.urls_admin")),
    path("backoffice/entities/<str:code>/integrations/", include("manassa.integrations.urls_admin")),
    path("backoffice/entities/<str:code>/payments/", include("manassa.payments.urls_backoffice")),
    path("backoffice/entities/<str:code>/bills/", include("manassa.bills.urls_backoffice")),
    path("backoffice/queue/", include("manassa.applications.urls_backoffice")),
    path("backoffice/", include("manassa.entities.urls")),
    path("backoffice/entities/<str:code>/services/<str:service_code>/definitions/",
         include("manassa.applications.urls_editor")),
    path("backoffice/entities/<str:code>/services/", include(backoffice_urlpatterns)),
    path("digital-office/", include(digital_office_urlpatterns)),
    path("digital-office/catalog/", include(review_urlpatterns)),
    path("digital-office/payments/", include("manassa.payments.urls_do")),
    path("audit/", include("manassa.audit.urls")),
    prefix_default_language=True,
)

handler403 = "manassa.core.views.error_403"
handler404 = "manassa.core.views.error_404"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
