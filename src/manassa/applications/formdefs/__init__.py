"""Dynamic form definitions for service applications (format ``manassa-form/1``, see docs/forms.md).

- ``schema``: check an author's definition and parse it into a ``FormDefinition``;
- ``answers``: read answers from a form post or JSON and clean them;
- ``render``: draw a page of the form and the "check your answers" summary;
- ``prefill``: first values from the person's profile.
"""

from manassa.applications.formdefs.answers import (
    AnswerError,
    CleanedAnswers,
    GroupAction,
    answers_apply_group_action,
    answers_as_input,
    answers_clean,
    answers_from_json,
    answers_from_querydict,
    answers_validate,
    group_action_from_querydict,
    validate_file,
)
from manassa.applications.formdefs.prefill import prefill
from manassa.applications.formdefs.render import page_context, render_page, render_summary, summary_sections
from manassa.applications.formdefs.schema import (
    FORMAT,
    Field,
    FormDefinition,
    InvalidFormDefinition,
    Page,
    definition_errors,
    definition_validate,
)

__all__ = [
    "FORMAT", "AnswerError", "CleanedAnswers", "Field", "FormDefinition", "GroupAction", "InvalidFormDefinition",
    "Page", "answers_apply_group_action", "answers_as_input", "answers_clean", "answers_from_json",
    "answers_from_querydict", "answers_validate", "definition_errors", "definition_validate",
    "group_action_from_querydict", "page_context", "prefill", "render_page", "render_summary", "summary_sections",
    "validate_file",
]
