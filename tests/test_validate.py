"""The validation stage against the 61 truth forms and against forms broken one rule at a time."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.record import Form, FundsRow, Indicator
from pipeline.validate import validate_form
from pipeline.paths import shared_dir

TRUTH_DIR = shared_dir() / "truth"


def _truth_forms() -> list[tuple[str, dict]]:
    forms = []
    for path in sorted(TRUTH_DIR.glob("*.json")):
        for form in json.loads(path.read_text(encoding="utf-8"))["forms"]:
            forms.append((f"{path.stem[:3]}-{form['form_index']}", form))
    return forms


TRUTH_FORMS = _truth_forms()


def _rule_paths(issues) -> set[tuple[str, str]]:
    return {(issue["rule"], issue["path"]) if isinstance(issue, dict) else (issue.rule, issue.path)
            for issue in issues}


@pytest.mark.skipif(not TRUTH_FORMS, reason="shared truth not mounted")
def test_truth_has_the_expected_mix():
    statuses = [form["validation"]["status"] for _, form in TRUTH_FORMS]
    assert len(statuses) == 61
    assert statuses.count("invalid") == 2 and statuses.count("warnings") == 3


@pytest.mark.parametrize("form_dict", [f for _, f in TRUTH_FORMS], ids=[i for i, _ in TRUTH_FORMS])
def test_agrees_with_truth(form_dict):
    truth = form_dict["validation"]
    # The reader reports unreadable cells; in the truth they show as `unreadable` issues.
    unreadable = [issue["path"] for issue in truth["issues"] if issue["rule"] == "unreadable"]
    got = validate_form(Form.model_validate(form_dict), unreadable)
    assert got.status == truth["status"]
    assert _rule_paths(got.issues) == _rule_paths(truth["issues"])
    assert [i.message for i in got.issues] == [i["message"] for i in truth["issues"]]


# --- small forms broken one rule at a time -------------------------------------------------

def _indicator(level1: str, level2: str, weight: float | None, score: float | None) -> Indicator:
    return Indicator(level1=level1, level2=level2, name=f"{level2}项", target="≥1", actual="1",
                     weight=weight, score=score)


def _valid_form() -> Form:
    """A layout-A form that breaks no rule: funds 10 + indicators 50 + 30 + 10 = 100."""
    form = Form(title="项目支出绩效自评表", level1_weights={"产出指标": 50, "效益指标": 30, "满意度指标": 10})
    form.project.code = "440303210301500004143"
    form.project.name = "测试项目"
    form.funds.total = FundsRow(initial_budget=1000, annual_budget=2000, executed=1500,
                                weight=10, execution_rate=75, score=7.5)
    form.funds.appropriation = FundsRow(initial_budget=800, annual_budget=1500, executed=1200)
    form.funds.carryover = FundsRow(initial_budget=200, annual_budget=500, executed=300)
    form.funds.other = FundsRow(initial_budget=0, annual_budget=0, executed=0)
    form.indicators = [
        _indicator("产出指标", "数量指标", 20, 20),
        _indicator("产出指标", "质量指标", 15, 15),
        _indicator("产出指标", "时效指标", 15, 14.5),
        _indicator("效益指标", "社会效益指标", 30, 30),
        _indicator("满意度指标", "服务对象满意度指标", 10, 9),
    ]
    form.total.weight = 100
    form.total.score = 96  # 7.5 + 88.5
    return form


def _issues(form: Form, **kwargs) -> set[tuple[str, str]]:
    return _rule_paths(validate_form(form, **kwargs).issues)


def test_valid_form_has_no_issues():
    validation = validate_form(_valid_form())
    assert validation.status == "valid"
    assert validation.issues == []


def test_score_exceeds_weight_on_indicator():
    form = _valid_form()
    form.indicators[3].score = 31
    form.total.score = 97
    validation = validate_form(form)
    assert _rule_paths(validation.issues) == {("score_exceeds_weight", "indicators[3].score")}
    assert validation.issues[0].message == "得分 31 > 分值 30"
    assert validation.status == "invalid"


def test_score_exceeds_weight_on_funds():
    form = _valid_form()
    form.funds.total.weight = 5
    form.indicators[0].weight = 25  # keep the weight sums whole
    form.level1_weights["产出指标"] = 55
    assert ("score_exceeds_weight", "funds.total.score") in _issues(form)


def test_score_equal_to_weight_is_fine():
    form = _valid_form()
    form.indicators[2].score = 15
    form.total.score = 96.5
    assert _issues(form) == set()


def test_level1_weight_sum():
    form = _valid_form()
    form.level1_weights["产出指标"] = 45
    validation = validate_form(form)
    assert _rule_paths(validation.issues) == {("level1_weight_sum", "level1_weights.产出指标")}
    assert validation.issues[0].message == "产出指标 三级指标分值合计 50 ≠ 45"


def test_level1_weight_sum_groups_by_level1_layout_b():
    """B/C: 满意度指标 is a level2 under 效益指标, so it counts towards 效益指标."""
    form = _valid_form()
    form.level1_weights = {"产出指标": 50, "效益指标": 40}
    form.indicators[4] = _indicator("效益指标", "满意度指标", 10, 9)
    assert _issues(form) == set()
    form.level1_weights["效益指标"] = 30
    assert _issues(form) == {("level1_weight_sum", "level1_weights.效益指标")}


def test_level1_weight_sum_skipped_when_points_not_printed():
    form = _valid_form()
    form.level1_weights = {"产出指标": None, "效益指标": None}
    assert _issues(form) == set()


def test_total_weight():
    form = _valid_form()
    form.total.weight = 90
    validation = validate_form(form)
    assert _rule_paths(validation.issues) == {("total_weight", "total.weight")}
    assert validation.issues[0].message == "资金分值+指标分值 100 ≠ 总分分值 90"


def test_total_score_and_its_rounding_tolerance():
    form = _valid_form()
    form.total.score = 96.06  # 0.06 off: rounding
    assert _issues(form) == set()
    form.total.score = 95.94
    assert _issues(form) == set()
    form.total.score = 96.07
    assert _issues(form) == {("total_score", "total.score")}
    form.total.score = 95.93
    assert _issues(form) == {("total_score", "total.score")}


def test_null_weights_and_scores_count_as_zero():
    form = _valid_form()
    form.indicators.append(_indicator("效益指标", "生态效益指标", None, None))
    assert _issues(form) == set()


def test_funds_breakdown_and_tolerance():
    form = _valid_form()
    form.funds.carryover.executed = 300.01
    form.funds.total.execution_rate = 75  # unchanged total, still consistent
    assert _issues(form) == set()
    form.funds.carryover.executed = 300.02
    validation = validate_form(form)
    assert _rule_paths(validation.issues) == {("funds_breakdown", "funds.total.executed")}
    assert "全年执行数" in validation.issues[0].message


def test_funds_breakdown_per_column():
    form = _valid_form()
    form.funds.appropriation.initial_budget = 700
    assert _issues(form) == {("funds_breakdown", "funds.total.initial_budget")}


def test_funds_breakdown_skipped_without_breakdown_rows():
    form = _valid_form()
    form.funds.appropriation = FundsRow()
    form.funds.carryover = FundsRow()
    form.funds.other = FundsRow()
    assert _issues(form) == set()


def test_execution_rate_tolerance_for_percent():
    form = _valid_form()
    form.funds.total = FundsRow(initial_budget=1000, annual_budget=2000, executed=1500,
                                weight=10, execution_rate=75.06, score=7.5)
    assert _issues(form) == set()
    form.funds.total.execution_rate = 75.07
    validation = validate_form(form)
    assert _rule_paths(validation.issues) == {("execution_rate", "funds.total.execution_rate")}
    assert validation.status == "warnings"


def test_execution_rate_whole_number_gets_ratio_tolerance():
    """0.87 printed for 242730 / 280000 = 86.69 %: stored as 87, within ±0.5."""
    form = _valid_form()
    form.funds.total = FundsRow(initial_budget=1000, annual_budget=280000, executed=242730,
                                weight=10, execution_rate=87, score=8.7)
    form.funds.appropriation = FundsRow()
    form.funds.carryover = FundsRow()
    form.funds.other = FundsRow()
    form.total.score = 8.7 + 88.5
    assert _issues(form) == set()
    as_percent = _issues(form, rate_printed_as_ratio=False)
    assert as_percent == {("execution_rate", "funds.total.execution_rate")}
    form.funds.total.execution_rate = 88  # 1.31 off: too far even for a ratio
    form.funds.total.score = 8.8
    form.total.score = 8.8 + 88.5
    assert _issues(form) == {("execution_rate", "funds.total.execution_rate")}


def test_explicit_ratio_flag_widens_a_fractional_rate():
    form = _valid_form()
    form.funds.total.execution_rate = 75.4
    form.funds.total.score = 7.54
    form.total.score = 96.04
    assert _issues(form) == {("execution_rate", "funds.total.execution_rate")}
    assert _issues(form, rate_printed_as_ratio=True) == set()


def test_execution_rate_skipped_when_annual_budget_zero_or_null():
    form = _valid_form()
    form.funds.other.execution_rate = 50  # annual_budget 0
    assert _issues(form) == set()
    form.funds.other = FundsRow(initial_budget=0, annual_budget=None, executed=0, execution_rate=50)
    form.funds.total.annual_budget = 2000
    assert ("execution_rate", "funds.other.execution_rate") not in _issues(form)


def test_execution_rate_checked_on_breakdown_rows():
    form = _valid_form()
    form.funds.appropriation.execution_rate = 90  # 1200 / 1500 = 80
    assert _issues(form) == {("execution_rate", "funds.appropriation.execution_rate")}


def test_funds_score_and_tolerance():
    form = _valid_form()
    form.funds.total.score = 7.56
    form.total.score = 96.06
    assert _issues(form) == set()
    form.funds.total.score = 7.57
    form.total.score = 96.07
    validation = validate_form(form)
    assert _rule_paths(validation.issues) == {("funds_score", "funds.total.score")}
    assert validation.issues[0].message == "资金得分 7.57 ≠ min(执行率,100)÷100×分值 = 7.50"


def test_funds_score_caps_rate_at_100():
    form = _valid_form()
    form.funds.total = FundsRow(initial_budget=1000, annual_budget=2000, executed=2200,
                                weight=10, execution_rate=110, score=10)
    form.funds.appropriation = FundsRow()
    form.funds.carryover = FundsRow()
    form.funds.other = FundsRow()
    form.total.score = 98.5
    assert _issues(form) == {("overspent", "funds.total.executed")}


def test_overspent():
    form = _valid_form()
    form.funds.total.executed = 2000
    form.funds.total.execution_rate = 100
    form.funds.total.score = 10
    form.funds.carryover.executed = 800  # carryover 800 > its budget 500
    form.total.score = 98.5
    assert _issues(form) == {("overspent", "funds.carryover.executed")}
    form.funds.carryover.executed = 500  # executed == annual_budget is not overspent
    form.funds.appropriation.executed = 1500
    assert _issues(form) == set()
    form.funds.total.executed = 2000.5
    form.funds.other.executed = 0.5
    form.funds.other.annual_budget = 0
    validation = validate_form(form)
    assert ("overspent", "funds.total.executed") in _rule_paths(validation.issues)
    assert validation.status == "warnings"


@pytest.mark.parametrize("path", ["project.name", "funds.total.annual_budget",
                                  "funds.total.executed", "total.score"])
def test_missing_field(path):
    form = _valid_form()
    owner_path, field = path.rsplit(".", 1)
    owner = form
    for part in owner_path.split("."):
        owner = getattr(owner, part)
    setattr(owner, field, None)
    validation = validate_form(form)
    assert ("missing_field", path) in _rule_paths(validation.issues)
    assert validation.status == "invalid"
    message = next(i.message for i in validation.issues if i.rule == "missing_field")
    assert message == f"{path} 缺失"


def test_blank_project_name_is_missing():
    form = _valid_form()
    form.project.name = "  "
    assert _issues(form) == {("missing_field", "project.name")}


def test_no_indicator_rows_is_missing():
    form = _valid_form()
    form.indicators = []
    form.level1_weights = {}
    form.total.weight = 10
    form.total.score = 7.5
    assert _issues(form) == {("missing_field", "indicators")}


def test_unreadable_total_score_matches_the_truth_pair():
    form = _valid_form()
    form.total.score = None
    validation = validate_form(form, unreadable=["total.score"])
    assert [(i.rule, i.path, i.message) for i in validation.issues] == [
        ("missing_field", "total.score", "total.score 缺失"),
        ("unreadable", "total.score", "total.score 无法读取（####）"),
    ]


def test_unreadable_cell_silences_the_sums_it_feeds():
    form = _valid_form()
    form.indicators[3].weight = None  # the reader saw the cell but could not read it
    validation = validate_form(form, unreadable={"indicators[3].weight": "置信度 0.41"})
    assert _rule_paths(validation.issues) == {("unreadable", "indicators[3].weight")}
    assert validation.issues[0].message == "indicators[3].weight 无法读取（置信度 0.41）"
    # without the unreadable report the same null is a real sum mismatch
    assert _issues(form) == {("level1_weight_sum", "level1_weights.效益指标"),
                             ("total_weight", "total.weight")}


@pytest.mark.parametrize("code", ["44030321030150000414", "4403032103015000041430",
                                  "44030321030150000414X", "４４０３０３２１０３０１５００００４１４３"])
def test_code_format(code):
    form = _valid_form()
    form.project.code = code
    validation = validate_form(form)
    assert _rule_paths(validation.issues) == {("code_format", "project.code")}
    assert validation.status == "warnings"


def test_code_absent_is_not_a_format_problem():
    form = _valid_form()
    form.project.code = None
    assert _issues(form) == set()


def test_validator_never_edits_values():
    form = _valid_form()
    form.indicators[0].score = 25
    before = form.model_dump()
    validate_form(form, unreadable=["total.score"])
    assert form.model_dump() == before


def test_warnings_and_errors_together_are_invalid():
    form = _valid_form()
    form.project.code = "123"
    form.total.weight = 90
    assert validate_form(form).status == "invalid"
