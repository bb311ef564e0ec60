"""Catalog rows for tests."""

from manassa.catalog.models import LifeEvent, Sector, Service


def make_sector(code="health", name_ar="الصحة", name_en="Health"):
    return Sector.objects.get_or_create(code=code, defaults={"name_ar": name_ar, "name_en": name_en})[0]


def make_life_event(code="having-a-baby", name_ar="استقبال مولود", name_en="Having a baby"):
    return LifeEvent.objects.get_or_create(code=code, defaults={"name_ar": name_ar, "name_en": name_en})[0]


def make_service(*, entity, sector, code, name_ar, name_en, life_events=(), **fields):
    defaults = {
        "slug": code.lower(),
        "description_ar": fields.pop("description_ar", f"وصف {name_ar}"),
        "description_en": fields.pop("description_en", f"About {name_en}"),
        "sla_days": fields.pop("sla_days", 3),
        "channels": fields.pop("channels", ["web"]),
    }
    service = Service.objects.create(entity=entity, sector=sector, code=code, name_ar=name_ar, name_en=name_en,
                                     **defaults, **fields)
    if life_events:
        service.life_events.set(life_events)
    return service
