"""Background work of issued documents (``manassa worker`` runs it from the database queue)."""

from __future__ import annotations

from django_tasks import task

from manassa.certificates.models import IssuedDocument


@task()
def issued_document_render_task(*, document_id: int) -> str:
    """Render the PDF of a document issued in the transaction that enqueued this; once, however often it runs."""
    from manassa.certificates.services import issued_document_render

    if not IssuedDocument.objects.filter(pk=document_id).exists():
        return "missing"
    return issued_document_render(document_id=document_id).sha256
