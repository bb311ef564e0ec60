"""Permission-matrix rows for the api routes; `accounts/tests/test_permission_matrix.py` runs them for every role.

Rows have the shapes of PAGES and API there; the fixture's placeholders (`<APP_A>`, `<APP_B>`,
service codes `A-APPLY`/`B-APPLY` of entities `ENT-A`/`ENT-B`) are substituted in the URL kwargs.
"""

PAGES: list = []
API: list = []
COVERED_API_PATHS: set[str] = set()
