"""What the answering page draws for each question: names, ids, choices, what was typed and the errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from manassa.surveys.models import Question, QuestionKind


@dataclass
class Choice:
    id: str
    value: str
    label: str
    checked: bool
    end_label: str = ""


@dataclass
class AnswerControl:
    question: Question
    name: str
    id: str
    kind: str
    required: bool
    choices: list[Choice] = field(default_factory=list)
    text: str = ""
    errors: list[str] = field(default_factory=list)
    hint: str = ""

    @property
    def anchor(self) -> str:
        """Where the error summary's link takes the focus: the first control of the question."""
        return self.choices[0].id if self.choices else self.id

    @property
    def describedby(self) -> str:
        ids = []
        if self.hint:
            ids.append(f"{self.id}_hint")
        if self.errors:
            ids.append(f"{self.id}_error")
        return " ".join(ids)


def answer_controls(questions: list[Question], posted=None, errors: dict | None = None) -> list[AnswerControl]:
    errors = errors or {}
    controls = []
    for question in questions:
        name = f"q{question.position}"
        chosen = set(posted.getlist(name)) if posted is not None else set()
        control = AnswerControl(question=question, name=name, id=f"id_{name}", kind=question.kind,
                                required=question.required, errors=[str(e) for e in errors.get(name, [])])
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            control.choices = [Choice(id=f"id_{name}_{n}", value=str(o.pk), label=o.label, checked=str(o.pk) in chosen)
                               for n, o in enumerate(question.options.all())]
        elif question.kind == QuestionKind.SCALE:
            values = question.scale_values
            for n, value in enumerate(values):
                end = question.min_label if n == 0 else question.max_label if n == len(values) - 1 else ""
                control.choices.append(Choice(id=f"id_{name}_{n}", value=str(value), label=str(value),
                                              checked=str(value) in chosen, end_label=end))
            if values:
                control.hint = _("%(low)d means “%(low_label)s” and %(high)d means “%(high_label)s”.") % {
                    "low": values[0], "low_label": question.min_label,
                    "high": values[-1], "high_label": question.max_label}
        else:
            control.text = posted.get(name, "") if posted is not None else ""
        controls.append(control)
    return controls
