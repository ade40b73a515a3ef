"""Forms and mapping on hand-built tables: no PDF, no OCR."""
from __future__ import annotations

import pytest

from pipeline.forms import split_forms
from pipeline.mapping import map_form, parse_number
from pipeline.objects import BBox, Cell, PageLayout, Table, TextLine

COL_X = [0, 60, 120, 180, 260, 340, 400, 460, 520, 600]   # 9 columns like the printed forms
ROW_H = 20


def make_table(page: int, rows: list[list], top: float = 100) -> Table:
    """rows: lists of (text, col_span) or text; a None entry means 'covered by the cell above'."""
    cells: list[Cell] = []
    covered: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        c = 0
        for entry in row:
            while (r, c) in covered:
                c += 1
            text, col_span, row_span = (entry + (1,) * (3 - len(entry))) if isinstance(entry, tuple) else (entry, 1, 1)
            bbox = BBox(COL_X[c], top + r * ROW_H, COL_X[c + col_span], top + (r + row_span) * ROW_H)
            cells.append(Cell(r, c, row_span, col_span, bbox, text=text))
            for rr in range(r, r + row_span):
                for cc in range(c, c + col_span):
                    covered.add((rr, cc))
            c += col_span
    return Table(page=page, bbox=BBox(0, top, 600, top + len(rows) * ROW_H), n_rows=len(rows), n_cols=9,
                 cells=cells, col_edges=tuple(COL_X), row_edges=tuple(top + i * ROW_H for i in range(len(rows) + 1)))


HEADER_B = [
    ["项目名称", ("档案整理", 4), ("项目金额", 2), ("3700700", 2)],
    ["主管部门", ("0102013", 4), ("实施单位", 2), ("", 2)],
    [("项目资金(元)", 1, 5), "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", ("得分", 2)],
    ["年度资金总额", "890000.00", "890000.00", "870996.00", "10", "0.98", ("9.80", 2)],
    ["其中：当年财政拨款", "890000.00", "890000.00", "870996.00", "—", "0.98", ("—", 2)],
    ["上年结转资金", "0.00", "0.00", "0.00", "—", "0.00", ("—", 2)],
    ["其他资金", "0.00", "0.00", "0.00", "—", "0.00", ("—", 2)],
    [("年度总体目标", 1, 2), ("预期目标", 4), ("实际完成情况", 4)],
    [("完成档案整理。", 4), ("已完成档案整理。", 4)],
    [("年度绩效指标", 1, 3), "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
    [("产出指标", 1, 2), "数量指标", "档案整理数量（件）", "15000", "15005", "12.5", "12.5", "无偏差"],
    ["时效指标", "档案整理的时限", "一个月内", "一个月内", "12.5", "12.5", "无偏差"],
]
CONTINUATION_B = [
    [("", 1, 3), ("效益指标", 1, 2), "社会效益指标", "提高档案的管理水平", "有效提高", "有效提高", "65", "64.8", "无偏差"],
    ["满意度指标", "档案查询人员满意度", "100%", "100%", "0", "0", "无偏差"],
    [("总分", 5), "100", "99.8", "—"],
]


def two_page_form() -> list[PageLayout]:
    title = TextLine("项目支出绩效自评表", BBox(200, 60, 400, 80))
    page1 = PageLayout(page=1, width=600, height=800, tables=[make_table(1, HEADER_B)], free_text=[title])
    page2 = PageLayout(page=2, width=600, height=800, tables=[make_table(2, CONTINUATION_B, top=40)])
    cover = PageLayout(page=3, width=600, height=800, free_text=[TextLine("绩效自评报告", BBox(0, 0, 100, 20))])
    return [page1, page2, cover]


def test_form_runs_over_the_page_break_and_cover_is_noted():
    split = split_forms(two_page_form())
    assert len(split.forms) == 1
    assert split.forms[0].pages == [1, 2]
    assert split.non_form_pages == [3]


def map_satisfaction_row(cells: list[str], source: str, name: str = "档案查询人员满意度"):
    """The form with its satisfaction row (target, actual, weight, score, deviation) as given,
    every page read from ``source``."""
    rows = [list(r) for r in CONTINUATION_B]
    rows[1] = ["满意度指标", name, *cells]
    pages = two_page_form()
    pages[1].tables = [make_table(2, rows, top=40)]
    for page in pages:
        page.source = source
    return map_form(split_forms(pages).forms[0])


def flagged_fields(mapped, row: str) -> set[str]:
    """The fields of ``row`` (an indicator's path) that went to review."""
    return {path.split(".")[-1] for path in mapped.unreadable if path.startswith(f"{row}.")}


def test_layout_b_fields():
    form = map_form(split_forms(two_page_form()).forms[0]).form
    assert form.title == "项目支出绩效自评表"
    assert form.project.name == "档案整理" and form.project.amount == 3700700
    assert form.project.competent_department == "0102013" and form.project.implementing_unit is None
    assert form.project.year is None        # layout B prints no year
    assert form.funds.total.execution_rate == 98          # ratio 0.98 -> percent
    assert form.funds.carryover.execution_rate == 0
    assert form.funds.appropriation.weight is None
    assert form.goals.actual == "已完成档案整理。"
    assert form.total.weight == 100 and form.total.score == 99.8
    assert form.level1_weights == {"产出指标": None, "效益指标": None}


@pytest.mark.parametrize("label", ["实际完成们祝人", ""])
def test_goals_under_an_actual_label_a_seal_spoilt_are_still_the_actual(label):
    """Typical seed 21: '*实际完成情况' under a seal read '实际完成们祝人'; the goals row prints
    expected, then actual, so the column after the expected one is the actual."""
    pages = two_page_form()
    header = [list(r) for r in HEADER_B]
    header[7] = [("年度总体目标", 1, 2), ("预期目标", 4), (label, 4)]
    pages[0].tables = [make_table(1, header)]
    goals = map_form(split_forms(pages).forms[0]).form.goals
    assert (goals.expected, goals.actual) == ("完成档案整理。", "已完成档案整理。")


def test_indicators_fill_down_and_continue_on_the_next_page():
    form = map_form(split_forms(two_page_form()).forms[0]).form
    rows = [(i.level1, i.level2, i.name, i.weight, i.score) for i in form.indicators]
    assert rows == [
        ("产出指标", "数量指标", "档案整理数量（件）", 12.5, 12.5),
        ("产出指标", "时效指标", "档案整理的时限", 12.5, 12.5),
        ("效益指标", "社会效益指标", "提高档案的管理水平", 65, 64.8),
        ("效益指标", "满意度指标", "档案查询人员满意度", 0, 0),     # 满意度 is a level2 in layout B
    ]


def test_provenance_has_page_and_bbox_for_fields():
    form = map_form(split_forms(two_page_form()).forms[0]).form
    source = form.provenance.fields["indicators[2].score"]
    assert source.page == 2 and source.bbox[0] >= 400


def test_unreadable_total_is_reported_not_guessed():
    rows = [list(r) for r in CONTINUATION_B]
    rows[-1] = [("总分", 5), "100", "####", "—"]
    pages = two_page_form()
    pages[1].tables = [make_table(2, rows, top=40)]
    mapped = map_form(split_forms(pages).forms[0])
    assert mapped.form.total.score is None
    assert mapped.unreadable == {"total.score": "####"}


def test_empty_merged_level_part_takes_its_continuation_text():
    """A merged level2 cut by the page break printed its text on the second part only."""
    header = [list(r) for r in HEADER_B]
    header[-1] = ["", "档案整理的时限", "一个月内", "一个月内", "12.5", "12.5", "无偏差"]
    header[-2] = [("产出指标", 1, 2), "数量指标", "档案整理数量（件）", "15000", "15005", "12.5", "12.5", "无偏差"]
    cont = [[("", 1, 2), ("产出指标", 1, 1), "时效指标", "二期时限", "一个月内", "一个月内", "12.5", "12.5", "无偏差"],
            [("效益指标", 1, 1), "社会效益指标", "提高档案的管理水平", "有效提高", "有效提高", "20", "20", "无偏差"]]
    pages = [PageLayout(page=1, width=600, height=800, tables=[make_table(1, header)]),
             PageLayout(page=2, width=600, height=800, tables=[make_table(2, cont, top=40)])]
    form = map_form(split_forms(pages).forms[0]).form
    assert [i.level2 for i in form.indicators] == ["数量指标", "时效指标", "时效指标", "社会效益指标"]


def test_empty_merged_level_parts_at_the_top_of_a_page_continue_the_cells_above():
    """Labels printed on page 1 run over a whole page 2 whose parts are empty; page 3 starts new cells."""
    header = [list(r) for r in HEADER_B]
    header[-2] = [("产出指标", 1, 2), ("数量指标", 1, 2), "档案整理数量（件）", "15000", "15005", "10", "10", "无偏差"]
    header[-1] = ["档案扫描数量", "900件", "900件", "10", "10", "无偏差"]
    middle = [[("", 1, 2), ("", 1, 2), ("", 1, 2), "档案装订数量", "100卷", "100卷", "10", "10", "无偏差"],
              ["档案录入数量", "50条", "50条", "10", "10", "无偏差"]]
    last = [[("", 1, 2), ("效益指标", 1, 2), "社会效益指标", "提高档案的管理水平", "有效提高", "有效提高", "50", "50", "无偏差"],
            ["满意度指标", "档案查询人员满意度", "100%", "100%", "10", "10", "无偏差"]]
    pages = [PageLayout(page=1, width=600, height=800, tables=[make_table(1, header)]),
             PageLayout(page=2, width=600, height=800, tables=[make_table(2, middle, top=40)]),
             PageLayout(page=3, width=600, height=800, tables=[make_table(3, last, top=40)])]
    form = map_form(split_forms(pages).forms[0]).form
    assert [(i.level1, i.level2) for i in form.indicators] == (
        [("产出指标", "数量指标")] * 4 + [("效益指标", "社会效益指标"), ("效益指标", "满意度指标")])


@pytest.mark.parametrize("text, expected", [
    ("5,000,000.00", (5000000.0, True)), ("12.50", (12.5, True)), ("—", (None, True)), ("/", (None, True)),
    ("无", (None, True)), ("", (None, True)), ("####", (None, False)), ("1O0", (None, False)), ("95%", (95.0, True)),
    ("1420000,00", (1420000.0, True)), ("1,420,000.00", (1420000.0, True)), ("12,5", (12.5, True)),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


def test_header_labels_survive_ocr_noise_and_a_missing_ruling():
    """A signature over the header, and two header labels in one cell (their ruling too faint to find)."""
    from pipeline.text import find_label
    from pipeline.mapping import INDICATOR_COLUMNS

    assert find_label("口年度指标填A", INDICATOR_COLUMNS) == "年度指标值"
    assert find_label("L实际完成值=", INDICATOR_COLUMNS) == "实际完成值"
    assert find_label("I分值1", INDICATOR_COLUMNS) == "分值"
    header = [list(r) for r in HEADER_B]
    header[9] = [("年度绩效指标", 1, 3), "一级指标", "二级指标", "三级指标", ("年度指标值实际完成值", 2), "分值", "得分",
                 "偏差原因分析及改进措施"]
    pages = two_page_form()
    pages[0].tables = [make_table(1, header)]
    form = map_form(split_forms(pages).forms[0]).form
    assert (form.indicators[0].target, form.indicators[0].actual) == ("15000", "15005")


def test_target_and_actual_columns_under_one_unreadable_header_cell_are_parted_as_the_rows_below():
    """A seal wiped the labels and the ruling between them: the rows below still rule two columns."""
    header = [list(r) for r in HEADER_B]
    header[9] = [("年度绩效指标", 1, 3), "一级指标", "二级指标", "三级指标", ("CYEIAY年L梅值1", 2), "分值", "得分",
                 "偏差原因分析及改进措施"]
    pages = two_page_form()
    pages[0].tables = [make_table(1, header)]
    row = map_form(split_forms(pages).forms[0]).form.indicators[0]
    assert (row.target, row.actual, row.weight) == ("15000", "15005", 12.5)


def scanned_mapping_with_level1(printed: str, level2: str = "数量指标", doubtful: bool = False):
    """The two-page form read from a scan, its first level-1 and level-2 cells read as ``printed``
    and ``level2``, both below the confidence floor where ``doubtful``."""
    header = [list(r) for r in HEADER_B]
    header[10] = [(printed, 1, 2), level2, *header[10][2:]]
    pages = two_page_form()
    pages[0].tables = [make_table(1, header)]
    for cell in pages[0].tables[0].cells:
        if doubtful and cell.row == 10 and cell.col in (1, 2):
            cell.confidence, cell.unreadable = 0.5, True
    for page in pages:
        page.source = "ocr"
    return map_form(split_forms(pages).forms[0])


def scanned_form_with_level1(printed: str):
    return scanned_mapping_with_level1(printed).form


@pytest.mark.parametrize("printed", ["产出指标(50分)", "产出指标50分)"])   # the '(' faded on a scan
def test_level1_points_are_read_with_or_without_their_opening_bracket(printed):
    form = scanned_form_with_level1(printed)
    assert form.indicators[0].level1 == "产出指标"
    assert form.level1_weights["产出指标"] == 50


@pytest.mark.parametrize("printed", ["政A指标(50分)", "质量指标"])    # a seal over the label; a level 2 leaked in
def test_level1_printed_as_no_level1_label_on_a_scan_comes_from_its_level2(printed):
    form = scanned_form_with_level1(printed)
    assert [row.level1 for row in form.indicators[:2]] == ["产出指标", "产出指标"]
    assert set(form.level1_weights) == {"产出指标", "效益指标"}
    assert form.level1_weights["产出指标"] == (50 if "50" in printed else None)


@pytest.mark.parametrize("printed, level2, flagged", [
    ("产出指标(50分)", "时效指标", set()),                  # whole labels: a doubtful character changed nothing
    ("产出指标", "时效指标", set()),
    ("产出指标(5X分)", "时效指标", {"level1"}),             # points not read as a number
    ("产岀指标(50分)", "时效指标", {"level1"}),             # snapped to the label, not spelled out
    ("产出指标(50分)", "数量指标", {"level2"}),             # one character from 质量指标
])
def test_a_doubtful_level_label_spelled_out_whole_is_no_doubt(printed, level2, flagged):
    mapped = scanned_mapping_with_level1(printed, level2, doubtful=True)
    assert {path.split(".")[1] for path in mapped.unreadable if path.startswith("indicators[0].")} == flagged


@pytest.mark.parametrize("source, weight", [("ocr", 12.5), ("text_layer", -12.5)])
def test_a_sign_before_points_read_from_a_scan_is_a_stray_stroke(source, weight):
    header = [list(r) for r in HEADER_B]
    header[10][5] = "-12.5"
    pages = two_page_form()
    pages[0].tables = [make_table(1, header)]
    for page in pages:
        page.source = source
    mapped = map_form(split_forms(pages).forms[0])
    assert mapped.form.indicators[0].weight == weight
    assert mapped.form.indicators[0].score == 12.5


@pytest.mark.parametrize("unreadable", [("实际完成值", "分值"), ("偏差原因分析及改进措施",)])
def test_columns_whose_header_a_seal_covers_are_named_by_their_order(unreadable):
    header = [list(r) for r in HEADER_B]
    header[9] = [label if label not in unreadable else "务服X" for label in header[9]]
    pages = two_page_form()
    pages[0].tables = [make_table(1, header)]
    row = map_form(split_forms(pages).forms[0]).form.indicators[0]
    assert (row.target, row.actual, row.weight, row.score, row.deviation) == ("15000", "15005", 12.5, 12.5, "无偏差")


def test_form_starts_where_a_seal_covers_its_project_name_label():
    header = [list(r) for r in HEADER_B]
    header[0] = ["务服X政", ("档案整理", 4), ("项目金额", 2), ("3700700", 2)]
    pages = two_page_form()
    pages[0].tables = [make_table(1, header)]
    [form] = split_forms(pages).forms
    assert form.pages == [1, 2] and len(form.rows) == len(header) + len(CONTINUATION_B)


@pytest.mark.parametrize("source, flagged", [("ocr", True), ("text_layer", False)])
def test_total_weight_not_read_on_a_scan_goes_to_review(source, flagged):
    rows = [list(r) for r in CONTINUATION_B]
    rows[-1] = [("总分", 5), "", "99.8", "—"]
    pages = two_page_form()
    pages[1].tables = [make_table(2, rows, top=40)]
    for page in pages:
        page.source = source
    mapped = map_form(split_forms(pages).forms[0])
    assert mapped.form.total.weight is None
    assert ("total.weight" in mapped.unreadable) is flagged


def test_label_and_value_in_one_cell_when_their_ruling_was_lost():
    header = [list(r) for r in HEADER_B]
    header[0] = [("项目名称档案整理", 5), ("项目金额", 2), ("3700700", 2)]
    pages = two_page_form()
    pages[0].tables = [make_table(1, header)]
    project = map_form(split_forms(pages).forms[0]).form.project
    assert (project.name, project.amount) == ("档案整理", 3700700)


def test_a_number_read_with_marks_around_it_is_guessed_but_stays_unreadable():
    rows = [list(r) for r in CONTINUATION_B]
    rows[0] = [("", 1, 3), ("效益指标", 1, 2), "社会效益指标", "提高档案的管理水平", "有效提高", "有效提高", "65日", "6A4.8", "无偏差"]
    pages = two_page_form()
    pages[1].tables = [make_table(2, rows, top=40)]
    mapped = map_form(split_forms(pages).forms[0])
    row = mapped.form.indicators[2]
    assert (row.weight, row.score) == (65, None)        # '6A4.8' holds two numbers: no guess
    assert set(mapped.unreadable) == {"indicators[2].weight", "indicators[2].score"}


@pytest.mark.parametrize("read, guess", [("14000Q0.00", 1400000), ("1O0", 100), ("2l", 2), ("A4", 4),
                                         ("0..00", 0), ("100..00", 100), ("1.2.3", None), ("12..3", None)])
def test_a_letter_amid_digits_is_guessed_as_the_digit_it_looks_like(read, guess):
    """... and a point read twice as one point (typical seed 7 002_10 #2: '0..00')."""
    from pipeline.mapping import best_guess_number
    assert best_guess_number(read) == guess


def test_funds_whose_first_labels_a_seal_covers_are_still_read_in_printed_order():
    header = [list(r) for r in HEADER_B]
    header[2] = [("项目资金(元)", 1, 5), "", "务服X", "全年预算数", "全年执行数", "X区", "执行率", ("得分", 2)]
    pages = two_page_form()
    pages[0].tables = [make_table(1, header)]
    total = map_form(split_forms(pages).forms[0]).form.funds.total
    assert (total.initial_budget, total.annual_budget, total.weight, total.score) == (890000, 890000, 10, 9.8)


@pytest.mark.parametrize("source, target, read, actual, flagged", [
    ("ocr", "100%", "100Z", "100%", True),          # the '%' worn thin, read as a letter
    ("ocr", "≥90%", "3.1p", "3.1%", True),
    ("ocr", "100%", "98:", "98%", True),
    ("ocr", "≥95%", "100车", "100%", True),         # read as a character that is no unit (typical seed 7)
    ("ocr", "100%", "1009", "100%", True),          # read as a digit: no bare rate above a hundred
    ("ocr", "100%", "i00a", "100%", True),          # and its '1' worn to a Latin letter (typical seed 21)
    ("ocr", "≥90%", "l00", "100%", True),           # a worn '1' shows the '%' worn too (typical seed 21)
    ("ocr", "≥90%", "|00%", "100%", True),          # '1' read '|', the '%' whole
    ("ocr", "≥90%", "|98%", "|98%", False),         # no rate of 198: the '|' is a stroke before the 98
    ("ocr", "≥90%", "I级", "I级", False),           # a letter before no digit is no worn '1'
    ("ocr", "≥80%", "99.99", "99.99", False),       # printed bare, as a truth form does
    ("ocr", "≥80%", "1200", "1200", False),         # no rate of a hundred and twenty without its last digit
    ("ocr", "≥500%", "685条", "685条", False),      # a unit: the target's '条' misread as '%' (hard seed 0)
    ("ocr", "100%", "100%", "100%", False),         # read whole: nothing to put back
    ("ocr", "100人", "100Z", "100Z", False),        # the target is no percentage: no ground for a '%'
    ("ocr", "100%", "1Z0", "1Z0", False),           # a letter amid digits is no lost '%'
    ("text_layer", "100%", "100Z", "100Z", False),  # a text layer prints what it prints
])
def test_a_percent_sign_read_as_a_stray_mark_is_put_back_for_review(source, target, read, actual, flagged):
    mapped = map_satisfaction_row([target, read, "0", "0", "无偏差"], source)
    assert mapped.form.indicators[3].actual == actual
    assert ("indicators[3].actual" in mapped.unreadable) is flagged


@pytest.mark.parametrize("source, target, actual, flagged", [
    ("ocr", "≥1年", "年", {"actual"}),             # a seal's letter crossed the '1'
    ("ocr", "项", "≥1项", {"target"}),
    ("ocr", "≥%", "98%", {"target"}),
    ("ocr", "≥10个月", "个月", {"actual"}),
    ("ocr", "≥95%", "1000%", {"actual"}),           # a point lost, but where: 10.00 or 100.0
    ("ocr", "≥95%", "5100%", {"actual"}),           # no 51.00: a stray digit before 100% (typical seed 0)
    ("ocr", "≥95%", "1.0.00%", {"actual"}),         # a point too many, but which: 10.00 or 100.0
    ("ocr", "-95%", "98%", {"target"}),             # a comparator's remains: no measure is negative (seed 42)
    ("ocr", "—", "98%", set()),                    # a placeholder dash alone is printed
    ("ocr", "≥1200个", "1250.5个", set()),
    ("ocr", "2023.12.31前", "2023.12.20", set()),   # a date
    ("ocr", "满意", "满意", set()),                 # a word, no unit
    ("ocr", "无", "无", set()),
    ("ocr", "1年", "1年", set()),
    ("text_layer", "1年", "年", set()),            # a text layer prints what it prints
])
def test_a_target_or_actual_read_as_no_form_prints_it_goes_to_review(source, target, actual, flagged):
    mapped = map_satisfaction_row([target, actual, "0", "0", "无偏差"], source)
    assert (mapped.form.indicators[3].target, mapped.form.indicators[3].actual) == (target, actual)
    assert flagged_fields(mapped, "indicators[3]") == flagged


@pytest.mark.parametrize("source, weight, score, flagged", [
    ("ocr", "", "10", True),            # a score without its weight: the weight was lost (seed 21 002_08 #5)
    ("ocr", "", "", False),             # a row printed blank
    ("ocr", "", "0", False),
    ("text_layer", "", "10", False),    # a text layer prints what it prints
])
def test_a_blank_weight_beside_a_score_goes_to_review_with_its_place(source, weight, score, flagged):
    mapped = map_satisfaction_row(["100%", "100%", weight, score, "无偏差"], source)
    assert mapped.form.indicators[3].weight is None
    assert ("weight" in flagged_fields(mapped, "indicators[3]")) is flagged
    assert ("indicators[3].weight" in mapped.form.provenance.fields) is flagged


@pytest.mark.parametrize("read, guessed", [
    ("9.5.95%", "95.95%"),      # a point too many (typical seed 21)
    ("9742%", "97.42%"),        # a point lost: no rate above 100, none with three decimals (seed 21)
    ("≥9742%", "≥97.42%"),
])
def test_a_rate_with_its_point_astray_takes_the_one_place_a_rate_can_have_it(read, guessed):
    mapped = map_satisfaction_row(["≥95%", read, "0", "0", "无偏差"], "ocr")
    assert mapped.form.indicators[3].actual == guessed
    assert flagged_fields(mapped, "indicators[3]") == {"actual"}


@pytest.mark.parametrize("target, actual, guessed, flagged", [
    ("1年", "年", ("1年", "1年"), {"actual"}),      # a seal's letter crossed the '1' (typical seed 7)
    ("项", "1项", ("1项", "1项"), {"target"}),      # (typical seed 7)
    ("4个", "个", ("4个", "4个"), {"actual"}),
    ("≥4个", "个", ("≥4个", "个"), {"actual"}),     # a target with a comparator is often exceeded
    ("95%", "%", ("95%", "%"), {"actual"}),         # a rate is often missed or exceeded
    ("1年", "项", ("1年", "项"), {"actual"}),       # another unit: no ground for a guess
])
def test_a_unit_read_alone_takes_the_plain_count_beside_it_for_review(target, actual, guessed, flagged):
    mapped = map_satisfaction_row([target, actual, "0", "0", "无偏差"], "ocr")
    assert (mapped.form.indicators[3].target, mapped.form.indicators[3].actual) == guessed
    assert flagged_fields(mapped, "indicators[3]") == flagged


@pytest.mark.parametrize("source, row, read_as, flagged", [
    ("ocr", ["100%", "I", "无偏差"], ("100%", "1", "无偏差"), {"actual"}),   # a '1' read 'I' (typical seed 13)
    ("ocr", ["100%", "100%", "TR"], ("100%", "100%", None), {"deviation"}),  # a seal's letters, blank cell
    ("ocr", ["100%", "100%", "正"], ("100%", "100%", None), {"deviation"}),
    ("ocr", ["无", "王", "无偏差"], ("无", "无", "无偏差"), {"actual"}),         # '无' under a seal's letter
    ("ocr", ["E", "无", "无偏差"], ("无", "无", "无偏差"), {"target"}),
    ("ocr", ["无", "所", "无偏差"], ("无", "无", "无偏差"), {"actual"}),         # a unit's character alone, too
    ("ocr", ["100%", "王", "无偏差"], ("100%", "王", "无偏差"), {"actual"}),   # no '无' beside it: no guess
    ("ocr", ["VPN服务", "是", "无偏差"], ("VPN服务", "是", "无偏差"), set()),
    ("ocr", ["无", "无", "无"], ("无", "无", "无"), set()),
    ("text_layer", ["100%", "I", "王"], ("100%", "I", "王"), set()),       # a text layer prints what it prints
])
def test_a_field_read_as_a_seal_s_stray_letters_goes_to_review(source, row, read_as, flagged):
    target, actual, deviation = row
    mapped = map_satisfaction_row([target, actual, "0", "0", deviation], source)
    indicator = mapped.form.indicators[3]
    assert (indicator.target, indicator.actual, indicator.deviation) == read_as
    assert flagged_fields(mapped, "indicators[3]") == flagged


@pytest.mark.parametrize("source, deviation, read_as, flagged", [
    ("ocr", "11", None, True),                # a seal's remains in a blank cell (typical seed 21)
    ("ocr", "叫H田", None, True),             # (typical seed 13)
    ("ocr", "—", None, True),
    ("ocr", "λ偏差", "无偏差", True),         # 无 under a seal's stroke (typical seed 21)
    ("ocr", "偏差", "无偏差", True),
    ("ocr", "无偏2", "无偏差", True),          # (hard seed 7)
    ("ocr", "于餐差", None, True),             # one of three: no ground for a guess
    ("ocr", "有偏差", "有偏差", False),       # a short phrase a form may print
    ("ocr", "无", "无", False),
    ("ocr", "无偏差", "无偏差", False),
    ("ocr", "用军城A", None, True),           # a Latin letter in a short text: a seal's (hard seed 0)
    ("ocr", "A国AY爱NY", None, True),
    ("ocr", "详见报告", "详见报告", False),   # four characters: a text, read as read
    ("ocr", "OA系统未如期上线", "OA系统未如期上线", False),     # nine: a sentence
    ("ocr", "偏差较大R", "偏差较大R", False),
    ("text_layer", "11", "11", False),        # a text layer prints what it prints
])
def test_a_deviation_read_as_a_fragment_is_blank_or_its_short_phrase(source, deviation, read_as, flagged):
    mapped = map_satisfaction_row(["100%", "100%", "0", "0", deviation], source)
    assert mapped.form.indicators[3].deviation == read_as
    assert ("deviation" in flagged_fields(mapped, "indicators[3]")) is flagged


@pytest.mark.parametrize("name, weight, score, guessed, flagged", [
    ("无", "B", "3.", (0, 0), {"weight", "score"}),    # a row of nothing weighs 0 (typical seed 21)
    ("无", "B", "0", (0, 0), {"weight"}),
    ("无", "0", "3.", (0, 0), {"score"}),
    ("无", "5", "5", (5, 5), set()),                   # read: left as read
    ("无", "10", "3.", (10, 3), {"score"}),            # a weight read (doubtful or not) is left as read
    ("无", "", "", (0, None), {"weight"}),             # every such row prints its weight: lost, not blank;
                                                       # a score may be blank
    ("档案查询人员满意度", "B", "3.", (None, 3), {"weight", "score"}),  # a row that names something: no guess
    ("档案查询人员满意度", "", "", (None, None), set()),  # ... and its blank weight may be blank
])
def test_the_unreadable_or_lost_points_of_a_row_of_nothing_are_guessed_0(name, weight, score, guessed, flagged):
    mapped = map_satisfaction_row(["无", "无", weight, score, "无偏差"], "ocr", name=name)
    indicator = mapped.form.indicators[3]
    assert (indicator.weight, indicator.score) == guessed
    assert flagged_fields(mapped, "indicators[3]") == flagged


@pytest.mark.parametrize("name, actual, guessed, flagged", [
    ("无", "", "无", True),                      # its '无' lifted with a seal's letters (typical seed 21)
    ("无", "不适用", "不适用", False),
    ("档案查询人员满意度", "", None, False),
])
def test_a_lost_actual_of_a_row_of_nothing_is_guessed_nothing(name, actual, guessed, flagged):
    mapped = map_satisfaction_row(["无", actual, "0", "0", "无偏差"], "ocr", name=name)
    assert mapped.form.indicators[3].actual == guessed
    assert ("indicators[3].actual" in mapped.unreadable) is flagged


def test_a_total_row_on_a_page_of_its_own_cut_short_keeps_weight_then_score():
    """A seal over the 总分 row's last cell (a page holding that row alone): the grid stops short,
    so every cell lies off its column; the row still prints label, weight, score in order."""
    from pipeline.objects import BBox as Box
    pages = two_page_form()
    rows = [list(r) for r in CONTINUATION_B[:2]]
    rows[0][0] = ("", 1, 2)
    pages[1].tables = [make_table(2, rows, top=40),
                       make_table(2, [[("总分", 6), "100", "99.8"]], top=200)]
    cut = pages[1].tables[1]
    cut.bbox = Box(cut.bbox.x0, cut.bbox.y0, COL_X[8], cut.bbox.y1)
    for page in pages:
        page.source = "ocr"
    total = map_form(split_forms(pages).forms[0]).form.total
    assert (total.weight, total.score) == (100, 99.8)


def test_a_total_row_whose_label_took_in_the_weight_is_not_read_in_order():
    """The ruling after 总分 lost: the label cell holds the weight, the next cells are score and
    '—'; taken in order the score would become the weight."""
    pages = two_page_form()
    rows = [list(r) for r in CONTINUATION_B]
    rows[-1] = [("总分 100", 6), "99.8", "—"]
    pages[1].tables = [make_table(2, rows, top=40)]
    for page in pages:
        page.source = "ocr"
    total = map_form(split_forms(pages).forms[0]).form.total
    assert total.weight is None and total.score == 99.8
