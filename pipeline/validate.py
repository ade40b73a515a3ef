"""Validation stage: check a mapped form against the rules of RECORD.md ("Validation").

The validator only reports; it never edits a value to make a rule pass.

Paths follow the record: ``indicators[3].score``, ``level1_weights.产出指标``,
``funds.total.score``, ``funds.appropriation.initial_budget``, ``total.weight``.

Missing numbers: a null weight or score (printed ``/``, ``无``, ``—``) counts as 0 in a
sum, the way the forms add them up. A sum whose inputs include a cell the reader saw
but could not read (``unreadable``) is not checked: the ``unreadable`` error already
says so, and comparing against a guessed 0 would only add noise.

Execution rate printed as a ratio: the record keeps the rate in percent, so whether the
archive printed ``0.98`` or ``98%`` is lost by the time a Form reaches this stage. A
2-decimal ratio always becomes a whole percent, so by default (``rate_printed_as_ratio``
left None) a whole-number rate in [0, 100] gets the ratio tolerance (±0.5) and any other
rate ±0.06. A caller that knows how the rate was printed passes True or False.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, Optional, Sequence

from pipeline.record import Form, FundsRow, Issue, Validation

SCORE_SUM_TOLERANCE = 0.06
FUNDS_AMOUNT_TOLERANCE = 0.01
RATE_TOLERANCE = 0.06
RATE_AS_RATIO_TOLERANCE = 0.5
FUNDS_SCORE_TOLERANCE = 0.06
# Float noise in sums such as 0.1 + 0.2; far below anything a form prints.
EPSILON = 1e-6
PROJECT_CODE_DIGITS = 21
DEFAULT_UNREADABLE_REASON = "####"

FUNDS_ROWS = ("total", "appropriation", "carryover", "other")
FUNDS_PARTS = ("appropriation", "carryover", "other")
FUNDS_ROW_LABELS = {"total": "年度资金总额", "appropriation": "当年财政拨款",
                    "carryover": "上年结转资金", "other": "其他资金"}
AMOUNT_COLUMNS = {"initial_budget": "年初预算数", "annual_budget": "全年预算数",
                  "executed": "全年执行数"}
REQUIRED_FIELDS = ("project.name", "funds.total.annual_budget", "funds.total.executed",
                   "total.score")


@dataclass(frozen=True)
class _Context:
    form: Form
    unreadable: Mapping[str, str]
    rate_printed_as_ratio: Optional[bool]

    def any_unreadable(self, paths: Iterable[str]) -> bool:
        return any(path in self.unreadable for path in paths)


def validate_form(form: Form, unreadable: Sequence[str] | Mapping[str, str] | None = None,
                  rate_printed_as_ratio: Optional[bool] = None, noted: Sequence[Issue] = ()) -> Validation:
    """Check ``form`` against every rule; status follows the worst severity found.

    ``unreadable`` lists the field paths the reader saw but could not read. A mapping
    gives the reason shown in the message (``{"indicators[2].weight": "置信度 0.41"}``);
    a plain list means the cell printed ``####``. ``noted`` are issues an earlier
    stage found (a repaired weight); they count towards the status like the rest.
    """
    context = _Context(form, _unreadable_reasons(unreadable), rate_printed_as_ratio)
    issues = [issue for check in _CHECKS for issue in check(context)] + list(noted)
    return Validation(status=_status(issues), issues=issues)


def _unreadable_reasons(unreadable: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    if unreadable is None:
        return {}
    if isinstance(unreadable, Mapping):
        return dict(unreadable)
    return {path: DEFAULT_UNREADABLE_REASON for path in unreadable}


def _status(issues: list[Issue]) -> str:
    severities = {issue.severity for issue in issues}
    if "error" in severities:
        return "invalid"
    if "warning" in severities:
        return "warnings"
    return "valid"


def _error(rule: str, path: str, message: str) -> Issue:
    return Issue(rule=rule, severity="error", path=path, message=message)


def _warning(rule: str, path: str, message: str) -> Issue:
    return Issue(rule=rule, severity="warning", path=path, message=message)


def _num(value: float) -> str:
    """A number as the form would print it: 101, 97.53, 11737805.23."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _differs(actual: float, expected: float, tolerance: float) -> bool:
    return abs(actual - expected) > tolerance + EPSILON


def _total(values: Iterable[Optional[float]]) -> float:
    return sum(value or 0.0 for value in values)


def _funds_row(form: Form, row: str) -> FundsRow:
    return getattr(form.funds, row)


def _check_score_exceeds_weight(context: _Context) -> Iterator[Issue]:
    form = context.form
    scored = [(f"indicators[{i}]", row.score, row.weight) for i, row in enumerate(form.indicators)]
    scored += [(f"funds.{name}", _funds_row(form, name).score, _funds_row(form, name).weight)
               for name in FUNDS_ROWS]
    for prefix, score, weight in scored:
        if score is not None and weight is not None and score > weight + EPSILON:
            yield _error("score_exceeds_weight", f"{prefix}.score",
                         f"得分 {_num(score)} > 分值 {_num(weight)}")


def _check_level1_weight_sum(context: _Context) -> Iterator[Issue]:
    form = context.form
    for level1, points in form.level1_weights.items():
        if points is None or context.any_unreadable([f"level1_weights.{level1}"]):
            continue
        members = [i for i, row in enumerate(form.indicators) if row.level1 == level1]
        if context.any_unreadable(f"indicators[{i}].weight" for i in members):
            continue
        weight_sum = _total(form.indicators[i].weight for i in members)
        if _differs(weight_sum, points, EPSILON):
            yield _error("level1_weight_sum", f"level1_weights.{level1}",
                         f"{level1} 三级指标分值合计 {_num(weight_sum)} ≠ {_num(points)}")


def form_sum_inputs(form: Form, column: str) -> list[str]:
    """Paths of the cells that add up to the 总分 row for ``column`` (weight or score)."""
    return ([f"funds.total.{column}"]
            + [f"indicators[{i}].{column}" for i in range(len(form.indicators))])


def _form_sum(form: Form, column: str) -> float:
    values = [getattr(form.funds.total, column)] + [getattr(row, column) for row in form.indicators]
    return _total(values)


def _check_form_sum(context: _Context, column: str, rule: str, tolerance: float, what: str) -> Iterator[Issue]:
    """Funds + indicator weights (or scores) against the printed 总分 row."""
    form = context.form
    printed = getattr(form.total, column)
    if printed is None or context.any_unreadable(form_sum_inputs(form, column)):
        return
    total = _form_sum(form, column)
    if _differs(total, printed, tolerance):
        yield _error(rule, f"total.{column}", f"资金{what}+指标{what} {_num(total)} ≠ 总分{what} {_num(printed)}")


def _check_total_weight(context: _Context) -> Iterator[Issue]:
    return _check_form_sum(context, "weight", "total_weight", EPSILON, "分值")


def _check_total_score(context: _Context) -> Iterator[Issue]:
    return _check_form_sum(context, "score", "total_score", SCORE_SUM_TOLERANCE, "得分")


def _check_funds_breakdown(context: _Context) -> Iterator[Issue]:
    form = context.form
    for column, label in AMOUNT_COLUMNS.items():
        total = getattr(form.funds.total, column)
        parts = [getattr(_funds_row(form, row), column) for row in FUNDS_PARTS]
        paths = [f"funds.{row}.{column}" for row in FUNDS_ROWS]
        if total is None or all(part is None for part in parts) or context.any_unreadable(paths):
            continue
        parts_sum = _total(parts)
        if _differs(parts_sum, total, FUNDS_AMOUNT_TOLERANCE):
            yield _error("funds_breakdown", f"funds.total.{column}",
                         f"{label} 合计 {_num(total)} ≠ 当年财政拨款+上年结转资金+其他资金 "
                         f"{_num(parts_sum)}")


def _computed_rate(row: FundsRow) -> Optional[float]:
    if row.annual_budget in (None, 0) or row.executed is None:
        return None
    return row.executed / row.annual_budget * 100


def _rate_tolerance(rate: float, printed_as_ratio: Optional[bool]) -> float:
    if printed_as_ratio is None:
        printed_as_ratio = 0 <= rate <= 100 and float(rate).is_integer()
    return RATE_AS_RATIO_TOLERANCE if printed_as_ratio else RATE_TOLERANCE


def _check_execution_rate(context: _Context) -> Iterator[Issue]:
    for name in FUNDS_ROWS:
        row = _funds_row(context.form, name)
        computed = _computed_rate(row)
        if row.execution_rate is None or computed is None:
            continue
        tolerance = _rate_tolerance(row.execution_rate, context.rate_printed_as_ratio)
        if _differs(row.execution_rate, computed, tolerance):
            yield _warning("execution_rate", f"funds.{name}.execution_rate",
                           f"执行率 {_num(row.execution_rate)} ≠ 全年执行数÷全年预算数×100 = "
                           f"{computed:.2f}")


def _check_funds_score(context: _Context) -> Iterator[Issue]:
    for name in FUNDS_ROWS:
        row = _funds_row(context.form, name)
        rate = row.execution_rate if row.execution_rate is not None else _computed_rate(row)
        if row.score is None or row.weight is None or rate is None:
            continue
        expected = min(rate, 100) / 100 * row.weight
        if _differs(row.score, expected, FUNDS_SCORE_TOLERANCE):
            yield _warning("funds_score", f"funds.{name}.score",
                           f"资金得分 {_num(row.score)} ≠ min(执行率,100)÷100×分值 = {expected:.2f}")


def _check_overspent(context: _Context) -> Iterator[Issue]:
    for name in FUNDS_ROWS:
        row = _funds_row(context.form, name)
        if row.executed is None or row.annual_budget is None:
            continue
        if row.executed > row.annual_budget + EPSILON:
            yield _warning("overspent", f"funds.{name}.executed",
                           f"{FUNDS_ROW_LABELS[name]} 全年执行数 {_num(row.executed)} > "
                           f"全年预算数 {_num(row.annual_budget)}")


def _field_value(form: Form, path: str):
    value = form
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _check_missing_field(context: _Context) -> Iterator[Issue]:
    form = context.form
    for path in REQUIRED_FIELDS:
        value = _field_value(form, path)
        if value is None or (isinstance(value, str) and not value.strip()):
            yield _error("missing_field", path, f"{path} 缺失")
    if not form.indicators:
        yield _error("missing_field", "indicators", "indicators 缺失（没有绩效指标行）")


def _check_unreadable(context: _Context) -> Iterator[Issue]:
    for path, reason in context.unreadable.items():
        yield _error("unreadable", path, f"{path} 无法读取（{reason}）")


def _check_code_format(context: _Context) -> Iterator[Issue]:
    code = context.form.project.code
    if code is None:
        return
    if not (len(code) == PROJECT_CODE_DIGITS and code.isascii() and code.isdigit()):
        yield _warning("code_format", "project.code",
                       f"项目编码 {code} 不是{PROJECT_CODE_DIGITS}位数字")


# In the order of the rule table in RECORD.md; issues come out in this order.
_CHECKS = (
    _check_score_exceeds_weight,
    _check_level1_weight_sum,
    _check_total_weight,
    _check_total_score,
    _check_funds_breakdown,
    _check_execution_rate,
    _check_funds_score,
    _check_overspent,
    _check_missing_field,
    _check_unreadable,
    _check_code_format,
)
