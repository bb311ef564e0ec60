"""Catalog search: Arabic-first analysis, an in-memory ranked index per process, and its entry points.

Public functions live in ``selectors`` (search_services, suggest_services,
highlight_html), synonym editing in ``services``, the command-line work in
``commands`` and the HTTP endpoints in ``api``. See docs/search.md.
"""
