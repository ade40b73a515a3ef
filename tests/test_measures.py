"""The measures stage: every truth cell, then each convention of RECORD.md "Measure" / "Conventions → Measures"."""
from __future__ import annotations

import importlib.util

import pytest

from fixtures.truth import SCHEMA_PATH, load_truth_forms
from pipeline.measures import build_nlp, parse_measure
from pipeline.record import Measure

SCORE_PATH = SCHEMA_PATH.parent / "score.py"


def _scorer_measure_key():
    if not SCORE_PATH.exists():
        return None
    spec = importlib.util.spec_from_file_location("truth_score", SCORE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure_key


def _truth_cells() -> list[tuple[str | None, dict]]:
    cells = []
    for truth in load_truth_forms():
        for row in truth.form["indicators"]:
            cells.append((row["target"], row["target_measure"]))
            cells.append((row["actual"], row["actual_measure"]))
    return cells


MEASURE_KEY = _scorer_measure_key()
TRUTH_CELLS = _truth_cells() if MEASURE_KEY else []


@pytest.mark.skipif(not TRUTH_CELLS, reason="shared truth not mounted")
def test_every_truth_measure_is_read_exactly():
    assert len(TRUTH_CELLS) == 1686
    wrong = [(text, truth, parse_measure(text).to_json()) for text, truth in TRUTH_CELLS
             if MEASURE_KEY(parse_measure(text).to_json()) != MEASURE_KEY(truth)]
    assert wrong == []


def m(kind, op=None, value=None, unit=None, subject=None, parts=None) -> dict:
    data = {"kind": kind, "op": op, "value": value, "unit": unit, "subject": subject}
    if parts is not None:
        data["parts"] = parts
    return data


def q(op, value, unit=None, subject=None) -> dict:
    return m("quantity", op, value, unit, subject)


def parsed(text):
    data = parse_measure(text).to_json()
    if data.get("parts"):
        data["parts"] = [{k: v for k, v in part.items() if k != "parts"} for part in data["parts"]]
    return data


# Measure table examples and every convention, one line per case.
CASES = [
    # quantity, 万 folding, units
    ("≥100人次", q(">=", 100, "人次")),
    ("5", q("=", 5)),
    ("≤93.69", q("<=", 93.69)),
    ("17.76万", q("=", 177600)),
    ("1200万条", q("=", 12000000, "条")),
    ("≤118万元", q("<=", 1180000, "元")),
    ("≥3万", q(">=", 30000)),
    ("9.3万单", q("=", 93000, "单")),
    ("1,200件", q("=", 1200, "件")),
    ("1420000.0", q("=", 1420000)),
    ("≥40000件工单标签", q(">=", 40000, "件工单标签")),
    ("≥4台(套)", q(">=", 4, "台(套)")),
    ("≥7(个)", q(">=", 7, "个")),
    ("≥7（个）", q(">=", 7, "个")),
    ("≤100元/人/月", q("<=", 100, "元/人/月")),
    ("≥1次/月", q(">=", 1, "次/月")),
    ("≤0.5dB/km", q("<=", 0.5, "dB/km")),
    ("≥2000㎡", q(">=", 2000, "㎡")),
    ("80元每人每天", q("=", 80, "元每人每天")),
    ("≥95分", q(">=", 95, "分")),
    ("50元一餐(不含早餐)", m("text", value="50元一餐(不含早餐)")),
    # rates without % stay quantities
    ("1", q("=", 1)),
    ("99.99", q("=", 99.99)),
    # percent
    ("≥95%", m("percent", ">=", 95)),
    ("100%", m("percent", "=", 100)),
    ("100.00%", m("percent", "=", 100)),
    ("１００％", m("percent", "=", 100)),
    ("离职率≤20%", m("percent", "<=", 20, subject="离职率")),
    ("99%以上", m("percent", ">=", 99)),
    ("100%降低", m("text", value="100%降低")),
    # operators
    ("≧90%", m("percent", ">=", 90)),
    (">=85%", m("percent", ">=", 85)),
    ("大于等于90%", m("percent", ">=", 90)),
    ("不低于95%", m("percent", ">=", 95)),
    ("不少于10个", q(">=", 10, "个")),
    ("≦5%", m("percent", "<=", 5)),
    ("<=5%", m("percent", "<=", 5)),
    ("不超过5万元", q("<=", 50000, "元")),
    ("不高于3次", q("<=", 3, "次")),
    ("10人以下", q("<=", 10, "人")),
    (">95%", m("percent", ">", 95)),
    ("＞95%", m("percent", ">", 95)),
    ("大于3次", q(">", 3, "次")),
    ("<2小时", m("duration", "<", 2, "小时")),
    ("＜2小时", m("duration", "<", 2, "小时")),
    ("小于5%", m("percent", "<", 5)),
    # subject before the operator; text before a bare number makes text
    ("全年突破21万", q(">", 210000, subject="全年")),
    ("每人每次(日)≤2600元", q("<=", 2600, "元", subject="每人每次(日)")),
    ("每周至少推送3次", m("text", value="每周至少推送3次")),
    ("质量保函额度为项目合同决算价的3%", m("text", value="质量保函额度为项目合同决算价的3%")),
    ("≤财政下达预算", m("text", value="≤财政下达预算")),
    # durations
    ("≤2小时", m("duration", "<=", 2, "小时")),
    ("1小时", m("duration", "=", 1, "小时")),
    ("一个月内", m("duration", "<=", 1, "月")),
    ("30分钟内响应", m("duration", "<=", 30, "分钟")),
    ("≤20个工作日", m("duration", "<=", 20, "工作日")),
    ("两个工作日以内", m("duration", "<=", 2, "工作日")),
    ("十五天内完成", m("duration", "<=", 15, "天")),
    ("4小时内到场", m("duration", "<=", 4, "小时")),
    ("24小时内修复", m("duration", "<=", 24, "小时")),
    ("2小时内处理", m("duration", "<=", 2, "小时")),
    ("≥1年", m("duration", ">=", 1, "年")),
    ("3周", m("duration", "=", 3, "周")),
    ("10秒", m("duration", "=", 10, "秒")),
    ("5日", m("duration", "=", 5, "日")),
    ("7×24小时", m("text", value="7×24小时")),
    ("7x24小时", m("text", value="7x24小时")),
    ("7*24小时的故障服务受理", m("text", value="7*24小时的故障服务受理")),
    ("24小时不间断扫描", m("text", value="24小时不间断扫描")),
    ("3年的免费保修服务", m("text", value="3年的免费保修服务")),
    ("系统出现故障,需要在2小时内修复。", m("text", value="系统出现故障,需要在2小时内修复。")),
    # dates
    ("2021年12月前", m("date", "<=", "2021-12")),
    ("2021年9月", m("date", "=", "2021-09")),
    ("2021年10月底前", m("date", "<=", "2021-10")),
    ("2021年7月前完成", m("date", "<=", "2021-07")),
    ("2021年11月25日", m("date", "=", "2021-11-25")),
    ("2021.7", m("date", "=", "2021-07")),
    ("12月31日前", m("date", "<=", "--12-31")),
    ("第四季度", m("text", value="第四季度")),
    ("第四季度前完成", m("text", value="第四季度前完成")),
    ("2021年4月已完成2021年度租赁费支付", m("text", value="2021年4月已完成2021年度租赁费支付")),
    # qualitative
    ("满足", m("qualitative", value="满足")),
    ("有效提升", m("qualitative", value="有效提升")),
    ("符合", m("qualitative", value="符合")),
    ("有效保障", m("qualitative", value="有效保障")),
    ("正常、稳定", m("qualitative", value="正常、稳定")),
    ("不满足", m("qualitative", value="不满足")),
    ("在规定时间内要求完成", m("qualitative", value="在规定时间内要求完成")),
    ("按季度发放", m("qualitative", value="按季度发放")),
    ("在规定时间内要求完成任务", m("text", value="在规定时间内要求完成任务")),
    ("不超过项目批复总投资", m("text", value="不超过项目批复总投资")),
    ("满足,有效", m("text", value="满足,有效")),
    # not applicable, empty
    ("不适用", m("not_applicable")),
    ("无", m("not_applicable")),
    ("/", m("not_applicable")),
    ("—", m("not_applicable")),
    ("", m("empty")),
    ("  \n", m("empty")),
    (None, m("empty")),
    # compound
    ("≥100张; ≥50份; ≥10份", m("compound", parts=[q(">=", 100, "张"), q(">=", 50, "份"), q(">=", 10, "份")])),
    ("≥70个;100%", m("compound", parts=[q(">=", 70, "个"), m("percent", "=", 100)])),
    ("≥98%；≥98%；≥1版", m("compound", parts=[m("percent", ">=", 98), m("percent", ">=", 98), q(">=", 1, "版")])),
    ("≥50个秒批 /70个秒报", m("compound", parts=[q(">=", 50, "个秒批"), q("=", 70, "个秒报")])),
    ("支撑应急业务;提供领导决策数据支撑", m("text", value="支撑应急业务;提供领导决策数据支撑")),
    ("≥95%;有效", m("text", value="≥95%;有效")),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[repr(c[0]) for c in CASES])
def test_convention(text, expected):
    assert parsed(text) == expected


def test_every_field_is_set_and_parts_only_for_compound():
    for text in ("≥95%", "满足", "无", None, "≥1;≥2"):
        measure = parse_measure(text)
        assert isinstance(measure, Measure)
        assert set(measure.to_json()) >= {"kind", "op", "value", "unit", "subject"}
        assert (measure.parts is not None) == (measure.kind == "compound")


def test_text_values_keep_the_print_without_whitespace():
    assert parse_measure(" 有效\n提升 ").value == "有效提升"
    assert parse_measure("≥ 95 %").to_json() == m("percent", ">=", 95)


def test_pipeline_is_blank_zh_with_rule_components():
    nlp = build_nlp()
    assert nlp.lang == "zh"
    assert nlp.pipe_names == ["entity_ruler", "measure_segments"]
    assert nlp is build_nlp()


def test_tokenizer_keeps_numbers_and_comparators_whole():
    words = [t.text for t in build_nlp().make_doc("≥1,200.5万元/人>=3.5%")]
    assert words == ["≥", "1,200.5", "万", "元", "/", "人", ">=", "3.5", "%"]


def test_segments_label_each_piece():
    doc = build_nlp()("离职率≤20%")
    assert [(s.label_, s.text) for s in doc.spans["measure"]] == [
        ("TEXT", "离职率"), ("CMP", "≤"), ("NUM", "20"), ("PCT", "%")]
    doc = build_nlp()("一个月内响应")
    assert [s.label_ for s in doc.spans["measure"]] == ["CNUM", "DURATION_UNIT", "WITHIN", "ACTION"]
