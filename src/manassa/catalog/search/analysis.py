"""Text analysis for catalog search: one normaliser, tokeniser and stemmer for documents and queries.

Every word goes through the same steps whether it comes from a service or from
a query, so the index and the query meet on the same terms on every database:

1. ``normalise``: NFKC (presentation forms such as ﻻ), then NFD and removal of
   every combining mark — which strips harakat *and* the hamza/madda written
   above or below a letter, so أ إ آ → ا, ؤ → و, ئ → ي, exactly what people
   typing quickly write. Then ة → ه, ى/ی → ي, ک → ك, the lone hamza ء and tatweel
   go, Arabic-Indic and Persian digits become ASCII, bidi and zero-width
   controls go, Latin is case-folded.
2. ``tokens``: runs of letters and digits (with their offsets in the original
   text, for highlighting).
3. ``stem``: Arabic words get a light10-style stemmer (one clitic prefix,
   attached pronouns, sound plurals and relative suffixes, never below
   three letters, so ``تجديد`` stays apart from ``جديد``); Latin words get
   British→American spelling folding and the Snowball English stemmer.

Broken plurals (فواتير/فاتورة), colloquial words (سواقة) and abbreviations
(ID) are not morphology: they are synonym groups (synonyms_default.json,
edited by the Digital Office in the Synonym table), matched on whole words
*before* stemming so that a synonym never hijacks an unrelated word sharing
its stem.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

ARABIC, LATIN, OTHER = "ar", "en", "other"

_CONTROLS = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
             "\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad\u0640"),
    None,
)
_FOLD = str.maketrans({
    "ة": "ه", "ى": "ي", "ی": "ي", "ې": "ي", "ێ": "ي", "ک": "ك", "ڪ": "ك", "گ": "ك",
    "ە": "ه", "ۀ": "ه", "ھ": "ه", "ہ": "ه", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "پ": "ب", "چ": "ج", "ڤ": "ف", "ژ": "ز", "ء": None,
    # Arabic-Indic and Eastern (Persian/Urdu) digits.
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
})
_WORD = re.compile(r"[^\W_]+")
# Words in the *original* text, combining marks, tatweel and joiners included, for highlighting.
_RAW_WORD = re.compile(r"(?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d])+")


# Every combining mark of the Basic Multilingual Plane (harakat, hamza above/below, Latin accents).
_MARKS = re.compile("[" + "".join(
    re.escape(chr(code)) for code in range(0x300, 0x10000) if unicodedata.combining(chr(code))
) + "]+")


_CONTROLS_AND_FOLD = {**_CONTROLS, **_FOLD}


def normalise(text: str) -> str:
    """The canonical form of a text: the same for every way of typing the same words."""
    text = _MARKS.sub("", unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text)))
    return text.translate(_CONTROLS_AND_FOLD).casefold()


def script_of(word: str) -> str:
    for ch in word:
        if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\u08a0" <= ch <= "\u08ff":
            return ARABIC
        if ch.isascii() and ch.isalpha():
            return LATIN
    return OTHER


def words(text: str) -> list[str]:
    """Normalised words of a text."""
    return _WORD.findall(normalise(text))


def raw_words(text: str) -> list[tuple[str, int, int]]:
    """Words of the original text with their offsets: ``[(word, start, end), ...]``."""
    return [(m.group(), m.start(), m.end()) for m in _RAW_WORD.finditer(text)]


def display_form(word: str) -> str:
    """A word as it can be shown back to people: marks and tatweel removed, hamza and ة kept."""
    word = unicodedata.normalize("NFKC", word).translate(_CONTROLS)
    word = "".join(ch for ch in word if not ("\u064b" <= ch <= "\u065f" or ch == "\u0670"))
    return unicodedata.normalize("NFC", word)


def detect_language(text: str) -> str:
    """``"ar"`` when Arabic letters are at least as many as Latin ones (the portal is Arabic-first)."""
    arabic = latin = 0
    for ch in text:
        if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" or "\u0750" <= ch <= "\u077f":
            arabic += ch.isalpha()
        elif ch.isascii() and ch.isalpha():
            latin += 1
    return "en" if latin > arabic else "ar"


# --- Arabic --------------------------------------------------------------------------------------

# Definite article with its clitic conjunctions/prepositions, longest first (light10).
AR_ARTICLES = ("وبال", "وال", "بال", "كال", "فال", "لل", "ال")
# Attached pronouns; stripped first so that ات/ت underneath can be seen (سياراتهم, رخصتها).
AR_PRONOUNS = ("كما", "هما", "ها", "هم", "كم", "هن")
# light10's suffixes (after ة → ه).
AR_SUFFIXES = ("ان", "ات", "ون", "ين", "يه", "ه", "ي")
AR_MIN_STEM = 3


def strip_article(word: str) -> str:
    """The word without a leading (conjunction +) definite article, keeping at least two letters.

    A second ال goes too, so that words beginning with ال themselves
    (إلكتروني, إلغاء) lose the same letters with and without the article.
    """
    for prefix in AR_ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix):]
            if word.startswith("ال") and len(word) >= 4:
                word = word[2:]
            break
    return word


def _strip_feminine_t(word: str) -> str:
    # ة turns into ت before a pronoun (رخصة → رخصتي): fold it like the bare ة.
    if word.endswith("ات") and len(word) - 2 >= AR_MIN_STEM:
        return word[:-2]
    if word.endswith("ت") and len(word) - 1 >= AR_MIN_STEM:
        return word[:-1]
    return word


@lru_cache(maxsize=200_000)
def stem_arabic(word: str) -> str:
    """Light stem of a normalised Arabic word (light10 with pronouns, stems of three letters or more)."""
    stripped = strip_article(word)
    if stripped == word and word.startswith("و") and len(word) >= 4:
        stripped = word[1:]
        stripped = strip_article(stripped) if stripped.startswith("ال") else stripped
    word = stripped
    pronoun = False
    for suffix in AR_PRONOUNS:
        if word.endswith(suffix) and len(word) - len(suffix) >= AR_MIN_STEM:
            word, pronoun = word[: -len(suffix)], True
            break
    if pronoun:
        word = _strip_feminine_t(word)
    for suffix in AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= AR_MIN_STEM:
            word = word[: -len(suffix)]
            if suffix == "ي" and not pronoun:
                word = _strip_feminine_t(word)
    return word


# --- English -------------------------------------------------------------------------------------

_english = snowballstemmer.stemmer("english")
# Whole-word British spellings whose stems differ from the American ones.
EN_SPELLING = {
    "licence": "license", "licences": "licenses", "licenced": "licensed", "licencing": "licensing",
    "centre": "center", "centres": "centers", "programme": "program", "programmes": "programs",
    "enrol": "enroll", "enrolment": "enrollment", "cheque": "check", "cheques": "checks",
    "tyre": "tire", "tyres": "tires", "catalogue": "catalog", "defence": "defense",
    "offence": "offense", "offences": "offenses", "practise": "practice", "storey": "story",
    "aluminium": "aluminum", "kerb": "curb", "judgement": "judgment", "fulfil": "fulfill",
    "metre": "meter", "metres": "meters", "litre": "liter", "litres": "liters",
    "theatre": "theater", "fibre": "fiber", "neighbour": "neighbor", "neighbours": "neighbors",
}
_EN_RULES = (
    (re.compile(r"(?<=\w{3})isation(s?)$"), r"ization\1"),
    (re.compile(r"(?<=\w{3})is(e|ed|es|ing)$"), r"iz\1"),
    (re.compile(r"(?<=\w{3})our(s?)$"), r"or\1"),
)


@lru_cache(maxsize=200_000)
def stem_english(word: str) -> str:
    word = EN_SPELLING.get(word, word)
    if len(word) >= 6:
        for pattern, replacement in _EN_RULES:
            word = pattern.sub(replacement, word)
    return _english.stemWord(word)


def stem(word: str) -> str:
    """The index term of a normalised word."""
    kind = script_of(word)
    if kind == ARABIC:
        return stem_arabic(word)
    if kind == LATIN:
        return stem_english(word)
    return word


def surface_key(word: str) -> str:
    """The form used to compare whole words (synonyms, stopwords, typos): normalised, article removed."""
    return strip_article(word) if script_of(word) == ARABIC else word


# --- Stopwords -----------------------------------------------------------------------------------

# Compared with ``surface_key`` of normalised words, never with stems (طريقة is filler, الطريق is a road).
AR_STOPWORDS = frozenset(words(" ".join([
    # function words
    "في من إلى الى على عن مع أو او ثم هل ما ماذا لماذا متى أين اين كيف كم هذا هذه ذلك تلك هذي هاذا",
    "التي الذي الذين اللي اللى إن أن ان لا لم لن قد كل بعض غير عند عندي لدي لي لنا له لها",
    "انا أنا احنا نحن انت أنت انتي هو هي هم يا و ف ب ل ك بس عشان علشان حق حقي حقتي",
    # Gulf and Levantine ways of saying "I want / I need / how / where / please"
    "ابي أبي ابى ابا أبا ابغى أبغى ابغي أبغي ابغا ابيه ابيها ابغاه ابغاها بغيت بغينا نبي نبغى نبغي",
    "بدي بدنا بدك اريد أريد نريد اود أود ودي ودنا عايز عاوز عايزه محتاج محتاجه احتاج أحتاج نحتاج",
    "ممكن ممكنه يمكن يمكنني اقدر أقدر نقدر لو سمحت سمحتي الرجاء رجاء ارجو أرجو من فضلك فضلك",
    "شلون شلونه كيفية كيفيه طريقة طريقه خطوات وين فين ايش إيش شو وش ليش متى كم",
    "مرحبا السلام عليكم هلا شكرا لوسمحت ابغي",
])))
EN_STOPWORDS = frozenset(" ".join("""
a an the of for to in on at by with from into about and or but not no is are am was were be been
i me my mine we our you your he she it its they them their this that these those there here
what which who whom how where when why can could would should will shall may might must do does did
want wanted need needed needs like please pls plz get getting got give know find
s t let lets im ive hello hi thanks thank
""".splitlines()).split())


def is_stopword(word: str) -> bool:
    """Whether a normalised word carries no meaning for search.

    The article is ignored only for longer words: الطريقة is filler, but
    الماء (normalised الما) is water, not the particle ما.
    """
    if word in AR_STOPWORDS or word in EN_STOPWORDS:
        return True
    key = surface_key(word)
    return len(key) >= 4 and key in AR_STOPWORDS


# --- Morphological fall-backs for query words missing from the index -----------------------------

AR_CLITICS = ("و", "ب", "ل", "ف", "ك")
AR_IMPERFECT = ("ا", "ي", "ت", "ن")


def clitic_variants(word: str) -> list[str]:
    """The word without a leading clitic letter (وبطاقة, لتجديد), when enough remains."""
    found = []
    if script_of(word) == ARABIC and len(word) >= 4 and word[0] in AR_CLITICS:
        rest = word[1:]
        found.append(rest)
        if len(rest) >= 4 and rest[0] in AR_CLITICS and rest[0] != word[0]:
            found.append(rest[1:])
    return found


def verbal_noun_candidates(word: str) -> list[str]:
    """Verbal nouns a spoken imperfect verb may stand for: اجدد → تجديد, اصدر → اصدار, استخرج → استخراج.

    People type the verb ("ابي اجدد رخصتي"); catalogs name the action with its
    verbal noun. Only patterns of regular verbs are produced; callers keep the
    ones the index knows.
    """
    if script_of(word) != ARABIC or len(word) < 4:
        return []
    bases = {word}
    for suffix in ("ها", "هم", "ه", "ني", "ك"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            bases.add(word[: -len(suffix)])
    found: list[str] = []
    for base in sorted(bases):
        if base[0] not in AR_IMPERFECT:
            continue
        root = base[1:]
        if len(root) == 3:
            c1, c2, c3 = root
            found += [root, f"ت{c1}{c2}ي{c3}", f"{c1}{c2}ا{c3}", f"ا{c1}{c2}ا{c3}"]
            if c3 == "ي":
                found.append(f"ا{c1}{c2}ا")
        elif len(root) == 4:
            if root[1] == "ا":  # form III: اراجع → مراجعه
                found.append(f"م{root}ه")
            found.append(f"ا{root[:3]}ا{root[3]}")  # forms VII/VIII: اشترك → اشتراك
        elif len(root) == 5 and root.startswith("ست"):  # form X: استخرج → استخراج
            found.append(f"ا{root[:4]}ا{root[4]}")
    return list(dict.fromkeys(found))


# Endings of conjugated verbs (ضاعت, دفعوا, دفعنا) to try when a query word is unknown.
AR_VERB_ENDINGS = ("تها", "تني", "تي", "وا", "نا", "ت")


def inflection_variants(word: str) -> list[str]:
    """The word without a verb ending, for query words the index does not know (ضاعت → ضاع)."""
    if script_of(word) != ARABIC:
        return []
    return [word[: -len(ending)] for ending in AR_VERB_ENDINGS
            if word.endswith(ending) and len(word) - len(ending) >= 3]


AR_SUFFIXES_OF_FORMS = ("تها", "تهم", "تي", "ته", "ها", "هم", "ات", "ين", "ون", "يه", "ه", "ي")


def suffix_variants(word: str) -> list[str]:
    """The word without one gender, number or pronoun ending (ضايعه → ضايع, سيارتي → سياره)."""
    if script_of(word) != ARABIC:
        return []
    found = []
    for suffix in AR_SUFFIXES_OF_FORMS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            found.append(base + "ه" if suffix.startswith("ت") and suffix != "ت" else base)
    return list(dict.fromkeys(found))


def number_variants(word: str) -> list[str]:
    """Singulars of common broken plurals and plurals of singulars (كلب ↔ كلاب, فاتورة ↔ فواتير).

    Only a handful of frequent patterns of three-letter roots; callers keep the
    forms the index knows, and only for query words it does not know.
    """
    if script_of(word) != ARABIC:
        return []
    w = word[:-1] if word.endswith("ه") and len(word) >= 5 else word
    found: list[str] = []
    if len(w) == 3:  # singular → فعال, أفعال, فعول
        c1, c2, c3 = w
        found += [f"{c1}{c2}ا{c3}", f"ا{c1}{c2}ا{c3}", f"{c1}{c2}و{c3}"]
    if len(w) == 4:
        if w[2] in "او":  # فعال, فعول → فعل
            found.append(w[:2] + w[3])
        if w[1] == "ا":  # فاعل → فواعل (شارع → شوارع)
            found.append(f"{w[0]}وا{w[2:]}")
        if w[0] == "م":  # مفعل(ة) → مفاعل (مسكن → مساكن, مدرسة → مدارس)
            found.append(f"م{w[1]}ا{w[2:]}")
    if len(w) == 5:
        if w[0] == "ا" and w[3] == "ا":  # أفعال → فعل
            found.append(w[1:3] + w[4])
        if w[1:3] == "وا":  # فواعل → فاعل(ة)
            found += [f"{w[0]}ا{w[3:]}", f"{w[0]}ا{w[3:]}ه"]
        if w[0] == "م" and w[2] == "ا":  # مفاعل → مفعل(ة)
            found += [f"م{w[1]}{w[3:]}", f"م{w[1]}{w[3:]}ه"]
        if w[1] == "ا" and w[3] == "و":  # فاعول(ة) → فواعيل (فاتورة → فواتير)
            found.append(f"{w[0]}وا{w[2]}ي{w[4]}")
        if w[0] == "م" and w[3] in "او":  # مفعال, مفعول → مفاعيل (مشروع → مشاريع)
            found.append(f"م{w[1]}ا{w[2]}ي{w[4]}")
    if len(w) == 6 and w[1:3] == "وا" and w[4] == "ي":  # فواعيل → فاعولة
        found += [f"{w[0]}ا{w[3]}و{w[5]}ه", f"{w[0]}ا{w[3]}و{w[5]}"]
    if len(w) == 6 and w[0] == "م" and w[2] == "ا" and w[4] == "ي":  # مفاعيل → مفعول, مفعال
        found += [f"م{w[1]}{w[3]}و{w[5]}", f"م{w[1]}{w[3]}ا{w[5]}"]
    return [form for form in dict.fromkeys(found) if form != word]


def max_typo_distance(word: str) -> int:
    """Edits allowed when correcting a word: none for short words, where one edit makes another word."""
    length = len(word)
    if length <= 3:
        return 0
    if length <= 7:
        return 1
    return 2


# --- Entity codes read aloud ---------------------------------------------------------------------

_TRANSLIT_PAIRS = (("sh", "ش"), ("kh", "خ"), ("th", "ث"), ("gh", "غ"), ("dh", "ذ"), ("ch", "تش"),
                   ("ee", "ي"), ("oo", "و"), ("ou", "و"))
_TRANSLIT = {"a": "ا", "b": "ب", "c": "ك", "d": "د", "e": "ي", "f": "ف", "g": "ج", "h": "ه", "i": "ي",
             "j": "ج", "k": "ك", "l": "ل", "m": "م", "n": "ن", "o": "و", "p": "ب", "q": "ق", "r": "ر",
             "s": "س", "t": "ت", "u": "و", "v": "ف", "w": "و", "x": "كس", "y": "ي", "z": "ز"}


def arabic_reading(code: str) -> str | None:
    """How an acronym that is pronounced as a word (SEWA) is written in Arabic script (سيوا).

    Acronyms without vowels (RTA) are spelt letter by letter and get no reading.
    """
    word = code.lower()
    if not word.isalpha() or len(word) < 3 or not any(v in word for v in "aeiou"):
        return None
    digraphs = {lat for lat, _ar in _TRANSLIT_PAIRS}
    for left, right in zip(word, word[1:], strict=False):
        if left not in "aeiouy" and right not in "aeiouy" and left + right not in digraphs:
            return None  # SRTA, EMPOST: read letter by letter, or not read at all
    out, i = [], 0
    while i < len(word):
        pair = next((ar for lat, ar in _TRANSLIT_PAIRS if word.startswith(lat, i)), None)
        if pair:
            out.append(pair)
            i += 2
            continue
        ch = word[i]
        out.append("ا" if i == 0 and ch in "aeiou" else _TRANSLIT[ch])
        i += 1
    return "".join(out)
