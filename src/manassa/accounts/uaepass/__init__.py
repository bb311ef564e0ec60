"""UAE PASS, the UAE's national digital identity, as an allauth provider (see docs/identity.md)."""
