"""A small bilingual catalog for the search tests, loaded straight through the ORM."""

from __future__ import annotations

from manassa.catalog.models import LifeEvent, Sector, Service
from manassa.catalog.services import catalog_version_bump
from manassa.entities.models import Entity

ENTITIES = [
    ("SEWA", "هيئة كهرباء ومياه وغاز الشارقة", "Sharjah Electricity, Water and Gas Authority"),
    ("SRTA", "هيئة الطرق والمواصلات بالشارقة", "Sharjah Roads and Transport Authority"),
    ("SHJMUN", "بلدية مدينة الشارقة", "Sharjah City Municipality"),
    ("ICP", "الهيئة الاتحادية للهوية والجنسية", "Federal Authority for Identity and Citizenship"),
    ("SHA", "هيئة الشارقة الصحية", "Sharjah Health Authority"),
]
SECTORS = [("utilities", "الكهرباء والمياه", "Utilities"), ("transport", "المواصلات", "Transport"),
           ("municipal", "الخدمات البلدية", "Municipal services"), ("residency", "الهوية والإقامة", "Residency"),
           ("health", "الصحة", "Health")]
LIFE_EVENTS = [("having-a-baby", "استقبال مولود", "Having a baby"), ("moving-home", "الانتقال إلى منزل جديد",
                                                                       "Moving home")]

# code, entity, sector, name ar, name en, description ar, description en, keywords ar, keywords en,
# fee in fils, audience, life events, popularity
SERVICES = [
    ("SEWA-BILL", "SEWA", "utilities", "دفع فاتورة الكهرباء والمياه", "Pay electricity and water bill",
     "سداد فواتير الكهرباء والمياه إلكترونيا.", "Pay your electricity and water bills online.",
     ["سداد الفاتورة"], ["bill payment"], None, [], [], 90),
    ("SEWA-CONNECT", "SEWA", "utilities", "توصيل الكهرباء لمبنى جديد", "New electricity connection",
     "طلب توصيل التيار الكهربائي للمباني الجديدة.", "Connect a new building to the electricity network.",
     ["عداد جديد"], ["meter"], 50000, [], ["moving-home"], 40),
    ("SEWA-OUTAGE", "SEWA", "utilities", "الإبلاغ عن انقطاع الكهرباء", "Report a power outage",
     "بلاغ عن انقطاع التيار الكهربائي في منطقتك.", "Report a power cut in your area.", [], [], None, [], [], 20),
    ("SRTA-DL-NEW", "SRTA", "transport", "إصدار رخصة قيادة", "Issue a driving licence",
     "إصدار رخصة قيادة جديدة بعد اجتياز الاختبار.", "Get a new driving licence after passing the test.",
     [], [], 30000, [], [], 70),
    ("SRTA-DL-RENEW", "SRTA", "transport", "تجديد رخصة القيادة", "Renew driving licence",
     "تجديد رخصة القيادة المنتهية.", "Renew an expired driving licence.", [], [], 30000, [], [], 95),
    ("SRTA-VEH-RENEW", "SRTA", "transport", "تجديد تسجيل مركبة", "Renew vehicle registration",
     "تجديد ترخيص المركبة سنويا بعد الفحص.", "Renew your vehicle registration every year.", [], [],
     35000, [], [], 80),
    ("SRTA-FINES", "SRTA", "transport", "دفع المخالفات المرورية", "Pay traffic fines",
     "الاستعلام عن المخالفات المرورية وسدادها.", "Check and pay traffic fines.", [], [], None, [], [], 85),
    ("SHJMUN-BUILD", "SHJMUN", "municipal", "إصدار رخصة بناء", "Building permit",
     "إصدار رخصة لبناء مسكن جديد.", "Permit to construct a new house.", ["ترخيص البناء"], [], 150000,
     ["citizen", "resident"], ["moving-home"], 35),
    ("SHJMUN-LEASE", "SHJMUN", "municipal", "توثيق عقد الإيجار", "Tenancy contract attestation",
     "تصديق عقود الإيجار السكنية.", "Attest residential tenancy contracts.", ["عقد ايجار"], ["rent contract"],
     25000, ["resident"], ["moving-home"], 60),
    ("SHJMUN-PEST", "SHJMUN", "municipal", "مكافحة الحشرات والقوارض", "Pest control",
     "رش المنازل لمكافحة الحشرات.", "Pest control for insects at home.", [], [], None, [], [], 15),
    ("ICP-EID", "ICP", "residency", "تجديد بطاقة الهوية الإماراتية", "Renew Emirates ID card",
     "تجديد بطاقة الهوية للمواطنين والمقيمين.", "Renew the Emirates ID card.", [], [], 37000, [], [], 92),
    ("ICP-RESIDENCE", "ICP", "residency", "تجديد الإقامة", "Renew residence visa",
     "تجديد تأشيرة الإقامة للمقيمين.", "Renew a residence visa.", [], [], 65000, ["resident"], [], 91),
    ("SHA-BIRTH", "SHA", "health", "إصدار شهادة ميلاد", "Birth certificate",
     "إصدار شهادة ميلاد للمولود الجديد.", "Birth certificate for a newborn.", [], ["newborn"], 6000, [],
     ["having-a-baby"], 50),
    ("SHA-VACCINE", "SHA", "health", "تطعيمات الأطفال", "Child vaccinations",
     "مواعيد تطعيم الأطفال.", "Vaccinations for children.", [], [], None, [], ["having-a-baby"], 25),
    ("SHA-OLD-CARD", "SHA", "health", "بطاقة صحية ورقية", "Paper health card",
     "خدمة قديمة.", "An old service.", [], [], None, [], [], 99),
]
RETIRED = {"SHA-OLD-CARD"}


def load_search_catalog() -> dict[str, Service]:
    entities = {code: Entity.objects.create(code=code, kind="local", name_ar=ar, name_en=en)
                for code, ar, en in ENTITIES}
    sectors = {code: Sector.objects.create(code=code, name_ar=ar, name_en=en) for code, ar, en in SECTORS}
    events = {code: LifeEvent.objects.create(code=code, name_ar=ar, name_en=en) for code, ar, en in LIFE_EVENTS}
    services = {}
    for (code, entity, sector, name_ar, name_en, desc_ar, desc_en, kw_ar, kw_en, fee, audience, life,
         popularity) in SERVICES:
        service = Service.objects.create(
            code=code, slug=code.lower(), entity=entities[entity], sector=sectors[sector], name_ar=name_ar,
            name_en=name_en, description_ar=desc_ar, description_en=desc_en, keywords_ar=kw_ar, keywords_en=kw_en,
            fee_amount=fee, audience=audience, sla_days=3, popularity=popularity,
            status="retired" if code in RETIRED else "active",
        )
        service.life_events.set([events[e] for e in life])
        services[code] = service
    catalog_version_bump()
    return services
