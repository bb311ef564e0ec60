"""Public verification (``/<lang>/verify/…``) and the resident's documents (``/<lang>/my-documents/``)."""

app_name = "certificates"

urlpatterns: list = []
