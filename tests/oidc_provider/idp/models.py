from django.conf import settings
from django.db import models


class Person(models.Model):
    """What the provider asserts about one of its users."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person")
    # The OpenID Connect "sub"; UAE PASS-shaped answers use "uuid" from the claims instead.
    subject = models.CharField(max_length=255, unique=True)
    # Standard claims (name, email…) and UAE PASS attributes (uuid, idn, fullnameAR…) alike.
    claims = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.subject
