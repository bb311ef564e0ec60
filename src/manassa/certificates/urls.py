"""Public verification (``/<lang>/verify/…``) and the resident's documents (``/<lang>/my-documents/``)."""

from django.urls import path

from manassa.certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("my-documents/", views.my_documents, name="my_documents"),
    path("my-documents/<str:number>/", views.my_document_download, name="my_document"),
]
