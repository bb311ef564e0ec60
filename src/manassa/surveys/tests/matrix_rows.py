"""Permission-matrix rows for the surveys routes, run for every role by `test_permission_matrix.py`.

Rows have the shapes of PAGES and API there; the fixture's placeholders (`<APP_A>`, `<APP_B>`, `<DOC_A>`,
service codes `A-APPLY`/`B-APPLY` of entities `ENT-A`/`ENT-B`) are substituted in the URL kwargs.
"""

PAGES: list = []
API: list = []
COVERED_API_PATHS: set[str] = set()
