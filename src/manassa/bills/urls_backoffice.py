"""The entity's bill postings in its back office; included under ``backoffice/entities/<code>/bills/``."""

from django.urls import path

from manassa.bills import views_backoffice as views

app_name = "bills_admin"

urlpatterns = [
    path("postings/", views.posting_list, name="postings"),
    path("postings/<int:posting_id>/resend/", views.posting_resend, name="resend"),
]
