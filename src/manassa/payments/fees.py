"""Fee formulas: a small, safe expression language over a form's numeric answers.

``annual_rent * 4 / 100``, ``max(5000, pages * 300)``, ``min(round(area * 12.5), 1000000)``.
The text is parsed with Python's ``ast`` and only numbers, answer names,
``+ - * /``, unary minus and ``min``/``max``/``round`` are accepted — no
attribute, subscript, power, comparison or any other call — and it is
evaluated by walking the tree, never by ``eval``. Amounts are in fils; the
result is rounded half-up to a whole fils, and refused when negative or
beyond ``MAX_FILS``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from manassa.core.errors import InvalidInput

MAX_LENGTH = 500
MAX_NODES = 200
# 10 billion AED: beyond any fee, small enough to never overflow a bigint.
MAX_FILS = 10**12
_FUNCTIONS = {"min", "max", "round"}
_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div)


class FeeExpressionError(InvalidInput):
    code = "fee_expression"


def _error(path: str, message: str) -> FeeExpressionError:
    return FeeExpressionError(fields={path: [message]})


def fee_expression_parse(text: str, *, path: str = "expression", names: set[str] | None = None) -> ast.Expression:
    """Check an expression as an author writes it; errors are given under ``path``.

    ``names``: the answers the form has (numeric questions); an unknown name is an error.
    """
    text = (text or "").strip()
    if not text:
        raise _error(path, _("Write the fee formula."))
    if len(text) > MAX_LENGTH:
        raise _error(path, _("The fee formula is too long."))
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise _error(path, _("The fee formula is not valid.")) from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise _error(path, _("The fee formula is too long."))
    for node in nodes:
        if isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
            if isinstance(node, ast.operator) and not isinstance(node, _BINARY):
                raise _error(path, _("Only + - * / may be used in a fee formula."))
            if isinstance(node, ast.unaryop) and not isinstance(node, ast.USub | ast.UAdd):
                raise _error(path, _("Only + - * / may be used in a fee formula."))
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise _error(path, _("Only numbers may be written in a fee formula."))
            if not Decimal(str(node.value)).is_finite() or abs(node.value) > MAX_FILS * 1000:
                raise _error(path, _("The fee is too large."))
        elif isinstance(node, ast.Name):
            if node.id in _FUNCTIONS:
                continue  # checked as the callee of its Call
            if names is not None and node.id not in names:
                raise _error(path, _("“%(name)s” is not a numeric question of the form.") % {"name": node.id})
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
                raise _error(path, _("Only min(), max() and round() may be used in a fee formula."))
            if not node.args or (node.func.id == "round" and len(node.args) != 1):
                raise _error(path, _("Only min(), max() and round() may be used in a fee formula."))
        elif isinstance(node, ast.BinOp | ast.UnaryOp):
            continue
        else:
            raise _error(path, _("This is not allowed in a fee formula."))
    callees = {id(call.func) for call in nodes if isinstance(call, ast.Call)}
    for node in nodes:
        if isinstance(node, ast.Name) and node.id in _FUNCTIONS and id(node) not in callees:
            raise _error(path, _("Only min(), max() and round() may be used in a fee formula."))
    return tree


def _number(value, name: str, path: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _error(path, _("The answer “%(name)s” is not a number.") % {"name": name}) from None
    if not number.is_finite():
        raise _error(path, _("The answer “%(name)s” is not a number.") % {"name": name})
    return number


def _evaluate(node: ast.AST, answers: Mapping, path: str) -> Decimal:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, answers, path)
    if isinstance(node, ast.Constant):
        return Decimal(str(node.value))
    if isinstance(node, ast.Name):
        if node.id not in answers or answers[node.id] in (None, ""):
            raise _error(path, _("The answer “%(name)s” is needed to work out the fee.") % {"name": node.id})
        return _number(answers[node.id], node.id, path)
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, answers, path)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, answers, path), _evaluate(node.right, answers, path)
        if isinstance(node.op, ast.Add):
            result = left + right
        elif isinstance(node.op, ast.Sub):
            result = left - right
        elif isinstance(node.op, ast.Mult):
            result = left * right
        else:
            if right == 0:
                raise _error(path, _("The fee formula divides by zero."))
            result = left / right
        if abs(result) > MAX_FILS * 1000:
            raise _error(path, _("The fee is too large."))
        return result
    if isinstance(node, ast.Call):
        values = [_evaluate(arg, answers, path) for arg in node.args]
        if node.func.id == "min":
            return min(values)
        if node.func.id == "max":
            return max(values)
        return values[0].quantize(Decimal(1), rounding=ROUND_HALF_UP)
    raise _error(path, _("This is not allowed in a fee formula."))


def fee_expression_evaluate(text: str, answers: Mapping, *, path: str = "expression") -> int:
    """The fee in whole fils for these answers (half-up rounding), or ``FeeExpressionError``."""
    tree = fee_expression_parse(text, path=path)
    try:
        value = _evaluate(tree, answers, path)
    except (InvalidOperation, OverflowError):
        raise _error(path, _("The fee is too large.")) from None
    fils = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if fils < 0:
        raise _error(path, _("The fee cannot be negative."))
    if fils > MAX_FILS:
        raise _error(path, _("The fee is too large."))
    return fils
