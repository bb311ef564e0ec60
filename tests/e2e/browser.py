"""What every browser test checks on a page: axe-core and untranslated text."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """WCAG 2.1 A/AA and best-practice violations on the current page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
    return result


def assert_accessible(page):
    violations = axe_violations(page)
    assert violations == [], f"axe-core violations on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations
    )


# Words allowed in Latin script on an Arabic page: names of products and standards.
LATIN_ALLOWED = {"Manassa", "UAE", "PASS", "API", "TOTP", "OpenAPI", "Apache", "SMS", "IP", "SOP", "JSON",
                 "URL", "https", "HTTPS",
                 # file formats, named the same in every language
                 "PDF", "PNG", "JPG", "JPEG", "GIF", "WEBP", "TIFF", "HEIC", "DOCX", "XLSX", "CSV"}
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
_ARABIC = re.compile(r"[\u0600-\u06FF]")


def visible_text_outside_other_language(page) -> str:
    """Visible text, leaving out elements marked as another language or as data (code, e-mail)."""
    return page.evaluate(
        """() => {
            const lang = document.documentElement.lang;
            const skip = el => el.closest(`[lang]:not([lang="${lang}"]), code, [dir="ltr"][data-literal], .literal`);
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            const out = [];
            while (walker.nextNode()) {
                const node = walker.currentNode, el = node.parentElement;
                if (!el || skip(el)) continue;
                const style = getComputedStyle(el);
                if (style.display === 'none' || style.visibility === 'hidden') continue;
                if (el.closest('script, style, noscript')) continue;
                out.push(node.textContent);
            }
            for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], img[alt]')) {
                if (skip(el)) continue;
                for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
                    if (el.getAttribute(a)) out.push(el.getAttribute(a));
                }
            }
            return out.join(' ');
        }"""
    )


def assert_fully_translated(page, data_words: set[str] = frozenset()):
    """No untranslated text: no English words on an Arabic page, no Arabic on an English page."""
    text = visible_text_outside_other_language(page)
    text = re.sub(r"\S+@\S+", " ", text)  # e-mail addresses are data
    # So are identifiers inside sentences: reference numbers and codes (SHJ-2026-000123, SEWA-MOVE-IN).
    text = re.sub(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b", " ", text)
    lang = page.evaluate("() => document.documentElement.lang")
    if lang == "ar":
        words = {w for w in _LATIN_WORD.findall(text) if w not in LATIN_ALLOWED and w not in data_words}
        assert not words, f"untranslated English on {page.url}: {sorted(words)[:20]}"
    else:
        assert not _ARABIC.search(text), f"Arabic text on the English page {page.url}: {text[:200]}"


def check_page(page, data_words: set[str] = frozenset()):
    assert_accessible(page)
    assert_fully_translated(page, data_words)


def sign_in_with_totp(page, live_server, email: str) -> None:
    """Sign in through the real pages: password, then the second factor (users made with ``totp=True``)."""
    import pyotp

    from manassa.accounts.tests.factories import PASSWORD, TOTP_SECRET

    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url}])
    page.goto("/en/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/en/accounts/2fa/authenticate/"))
    page.locator("#id_code").fill(pyotp.TOTP(TOTP_SECRET).now())
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/en/$"))
