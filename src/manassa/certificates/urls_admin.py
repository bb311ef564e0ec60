"""The entity's issued documents: list, revoke (``/<lang>/backoffice/documents/``)."""

app_name = "certificates_admin"

urlpatterns: list = []
