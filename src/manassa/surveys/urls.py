"""Answering a survey (``/<lang>/surveys/<code>/``)."""

app_name = "surveys"

urlpatterns: list = []
