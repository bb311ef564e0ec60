"""Reporting and following a case (``/<lang>/feedback/``): complaint, suggestion, compliment, enquiry."""

app_name = "complaints"

urlpatterns: list = []
