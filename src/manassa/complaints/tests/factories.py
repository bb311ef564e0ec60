from django.core.files.uploadedfile import SimpleUploadedFile

from manassa.complaints.models import Category

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!doctype html><script>alert(1)</script>"


def make_category(*, entity, code, kinds=("complaint", "suggestion", "compliment", "enquiry"), public=True,
                  sla_hours=None, attributes=None, team="Customer care", name_en=None):
    return Category.objects.create(entity=entity, code=code, name_ar=f"فئة {code}",
                                   name_en=name_en or f"Category {code}",
                                   kinds=list(kinds), is_public=public, sla_hours=sla_hours or {},
                                   attributes=attributes or [], team=team)


def photo(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def fake(name="photo.png"):
    return SimpleUploadedFile(name, HTML, content_type="image/png")
