"""Back-office editors of a service's form and workflow definitions (drafts, preview, publish)."""

app_name = "definitions"

urlpatterns: list = []
