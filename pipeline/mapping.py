"""Map the rows of one form to the record's fields (RECORD.md "Conventions").

Label-driven, not position-driven: every block is found by its printed
labels (项目名称, 年初预算数, 预期目标, 一级指标, 总分 ...) and every value is
read from the cell under its column header, by x overlap relative to the
table's width. That reads layouts A, B and C with one code path, and a
continuation table on the next page lines up with the header it continues.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.forms import FormRow, FormSlice, RowCell
from pipeline.objects import Cell
from pipeline.ocr.lexicon import is_chinese
from pipeline.record import FieldSource, Form, Funds, FundsRow, Goals, Indicator, Project, Provenance, Total
from pipeline.text import (COMPARATOR_CHARS, edit_distance, find_label, match_label, normalize_text,
                           starts_with_label)
from pipeline.twins import read_from_twin

PROJECT_LABELS = {
    "项目编码": "code", "项目编号": "code", "项目名称": "name", "绩效自评年度": "year",
    "实施单位": "implementing_unit", "一级预算单位": "budget_unit",
    "主管部门": "competent_department", "项目金额": "amount",
}
FUNDS_COLUMNS = {"年初预算数": "initial_budget", "全年预算数": "annual_budget",
                 "全年执行数": "executed", "分值": "weight", "执行率": "execution_rate",
                 "得分": "score"}
FUNDS_HEADER_LABELS = ("年初预算数", "全年预算数", "全年执行数", "执行率")   # any of them: a seal may cover one
FUNDS_ROWS = {"年度资金总额": "total", "当年财政拨款": "appropriation",
              "上年结转": "carryover", "其他资金": "other"}
GOAL_COLUMNS = {"预期目标": "expected", "实际完成情况": "actual"}
INDICATOR_COLUMNS = {"一级指标": "level1", "二级指标": "level2", "三级指标": "name",
                     "年度指标值": "target", "实际完成值": "actual", "分值": "weight",
                     "得分": "score", "偏差原因": "deviation"}
LEVEL1_BY_LEVEL2 = {
    "数量指标": "产出指标", "质量指标": "产出指标", "时效指标": "产出指标", "成本指标": "产出指标",
    "经济效益指标": "效益指标", "社会效益指标": "效益指标", "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标", "满意度指标": "效益指标",
    "服务对象满意度指标": "满意度指标", "服务对象的满意度指标": "满意度指标",
    "其他满意度指标": "满意度指标",
}
NULL_MARKS = {"", "—", "-", "－", "–", "─", "/", "／", "无", "——"}
UNREADABLE_MARK = re.compile(r"^#+$")
UNPARSED_NUMBER = "无法识别数字"      # reason of a number cell whose reading holds no number as printed
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
DECIMAL_COMMA = re.compile(r"[,，](\d{1,2})(?=[%％分元]?$)")
NUMBER_INSIDE = re.compile(r"\d+(?:\.\d+)?")
STRAY_SIGN = re.compile(r"^\s*[-－–—](?=\s*\d)")
POINTS = re.compile(r"^(.*?)[(（]\s*([\dOoCDlIS.]+)\s*分")
POINTS_OPENING_LOST = re.compile(r"^(.*?)(\d+(?:\.\d+)?)\s*分\s*[)）]$")   # '产出指标50分)': the '(' faded
OCR_DIGITS = str.maketrans("OoCDQlIS", "00000115")   # inside '(…分)' only digits are printed
DOUBLED_POINT = re.compile(r"(?<=\d)\.{2,}(?=0+(?!\d))")   # '0..00': one point before zeros read as two
# ('12..3' is no 12.3: there the 5 of 12.5 was read '.3', seed 21 001_06 #0)
LETTER_AMID_DIGITS = re.compile(r"(?<=\d)[OoCDQlIS](?=\d)")   # '14000Q0.00': a blurred 0 read as a letter
# a '%' worn thin (a seal lifted off it, faint print) read as one stray letter, colon or Chinese
# character: '100Z', '3.1p', '100车'; a unit there is what was printed ('685条' where the target's
# '条' was misread '%')
PERCENT_SIGN_LOST = re.compile(r"^([<>≤≥=]*\d+(?:\.\d+)?)([A-Za-z:：;；]|[\u4e00-\u9fff])$")
PERCENT_READ_AS_DIGIT = re.compile(r"^(\d+(?:\.\d+)?)(\d)$")
# a rate's leading '1' worn to a stroke the recogniser took for a Latin letter ('i00a', 'l00')
LATIN_ONE = re.compile(r"^([<>≤≥=]*)[iIl|](?=\d)")
BARE_RATE = re.compile(r"^[<>≤≥=]*\d+(?:\.\d+)?[%％]?$")
PERCENT_GUESSED = "百分号残缺，按目标值推断"
# the units printed after a number; a target or actual read as a unit alone ('1年' read '年', a
# seal's letter over the '1') lost its number: no form prints a unit without one
UNIT_CHARS = set("个次人份台年条套件家项间所期批场类路种天月日周时分秒钟元万%％㎡篇户张座辆名册页米吨亩小")
NUMBER_LOST = "只读到单位，数字缺失"
PLAIN_COUNT = re.compile(r"^(\d+(?:\.\d+)?)([^\d%％.<>≤≥≦≧=]{1,2})$")    # '1年', '3项': no comparator, no rate
# a row's text read as a few Latin letters alone ('E', 'TR', 'I'): no form prints such a field; it is
# a seal's letter or a pen stroke; a lone 'I' or 'l' in a target or actual is taken for a '1'
STRAY_LETTERS = re.compile(r"^[A-Za-z|]{1,3}$")
STRAY_LETTERS_READ = "只读到零散字母"
# the one-character texts forms print; any other character alone is a seal's letter ('无' read '王')
ONE_CHARACTER_FIELDS = set("无是否有")
LONE_CHARACTER_READ = "只读到一个字"
# the short phrases a deviation prints; any other short reading there is a seal's remains
SHORT_DEVIATIONS = {"无", "无偏差", "有偏差", "不适用"}
LATIN_LETTER = re.compile(r"[A-Za-z]")
SHORT_DEVIATION_READ = "偏差栏只读到残字"
# a number no form prints: two decimal points ('9.5.95%'; a date '2023.12.31' starts with its year),
# a percentage of a thousand or more ('9742%', its point lost under a seal)
MALFORMED_NUMBER = re.compile(r"(?<![\d.])\d{1,3}\.\d+\.\d|\d{4,}(?:\.\d+)?\s*[%％]")
MALFORMED_NUMBER_READ = "数字不合常理"
# a measure opening with a dash ('-95%'): no target or actual is negative; a comparator's remains
DASH_BEFORE_NUMBER = re.compile(r"^[-－—‐–]\s*\d")
DASH_BEFORE_NUMBER_READ = "数字前有残划（比较符号残缺？）"
RATE_POINTS_ASTRAY = re.compile(r"([<>≤≥≦≧=]*)(\d{4,}|\d[\d.]*\.\d*\.[\d.]*\d)(\s*[%％])")
LEADING_ZERO = re.compile(r"0\d")
NOTHING_CELL_LOST = "未读到（“无”指标行按“无”或0推断）"
WEIGHT_OF_A_SCORED_ROW_LOST = "未读到（该行有得分，分值不应为空）"
LEVEL1_NAMES = ("产出指标", "效益指标", "满意度指标")
TITLE_PREFIX = re.compile(r"^附件\s*\d*[:：]?")


@dataclass
class Column:
    name: str
    x0: float
    x1: float


@dataclass
class MappedForm:
    form: Form
    unreadable: dict[str, str] = field(default_factory=dict)
    rate_printed_as_ratio: bool | None = None


class FieldReader:
    """Reads values out of cells and records where each came from.

    Whether a cell is readable was decided where it was read (``Cell.unreadable``,
    set by the recogniser against its confidence floor); it is only carried here.
    """

    def __init__(self):
        self.sources: dict[str, FieldSource] = {}
        self.unreadable: dict[str, str] = {}

    def note(self, path: str, rc: RowCell | None, *, spelled_out: bool = False) -> None:
        """``spelled_out``: the reading is a whole template label two characters or more from any
        other, so one doubtful character cannot have made it out of another label."""
        if rc is None or not rc.text:
            return
        cell = rc.cell
        self.sources[path] = FieldSource(page=rc.page, bbox=cell.bbox.as_list(),
                                         confidence=round(min(max(cell.confidence, 0.0), 1.0), 4))
        if cell.unreadable and not spelled_out:
            self.unreadable[path] = f"置信度 {cell.confidence:.2f}"

    def note_lost(self, path: str, rc: RowCell, reason: str) -> None:
        """A cell read as nothing that cannot be blank: where it is, and why it goes to review."""
        self.sources[path] = FieldSource(page=rc.page, bbox=rc.cell.bbox.as_list(), confidence=0.0)
        self.unreadable.setdefault(path, reason)

    def text(self, path: str, rc: RowCell | None, text: str | None = None) -> str | None:
        """The cell's text (or ``text``, a part of it) normalised."""
        self.note(path, rc)
        return normalize_text(rc.text if text is None else text) if rc is not None else None

    def number(self, path: str, rc: RowCell | None, text: str | None = None, *,
               points: bool = False) -> float | None:
        """``points``: a weight or score read from a scan, never negative; a sign before it is a
        seal's or a ruling's stroke."""
        self.note(path, rc)
        if rc is None:
            return None
        text = rc.text if text is None else text
        if points:
            text = STRAY_SIGN.sub("", text)
        value, readable = parse_number(text)
        if readable:
            return value
        if UNREADABLE_MARK.match(text.strip()):
            self.unreadable[path] = text
            return None
        self.unreadable[path] = f"{UNPARSED_NUMBER}：{text}"
        return best_guess_number(text)


def parse_number(text: str | None) -> tuple[float | None, bool]:
    """A printed number -> (value, readable). Null marks give (None, True)."""
    raw = "".join((text or "").split())
    if raw in NULL_MARKS:
        return None, True
    if UNREADABLE_MARK.match(raw):
        return None, False
    if "." not in raw:
        # thousands are grouped by three: a comma before the last one or two digits is a
        # decimal point (OCR reads a blurred '.' as ',': 1420000,00)
        raw = DECIMAL_COMMA.sub(r".\1", raw)
    cleaned = raw.replace(",", "").replace("，", "").rstrip("%％分元")
    if NUMBER.match(cleaned):
        return float(cleaned), True
    return None, False


def best_guess_number(text: str) -> float | None:
    """The one number inside a cell read with marks around it ('15日', '20.'), or with the point
    before its zeros read twice ('0..00'), for the reviewer.

    The field stays ``unreadable`` (the form goes to review); the guess only
    spares the reviewer retyping a value that was read.
    """
    text = DOUBLED_POINT.sub(".", text.replace(",", ""))
    digits = LETTER_AMID_DIGITS.sub(lambda m: m.group(0).translate(OCR_DIGITS), text)
    found = NUMBER_INSIDE.findall(digits)
    return float(found[0]) if len(found) == 1 else None


def map_form(form_slice: FormSlice, *, form_index: int = 0) -> MappedForm:
    reader = FieldReader()
    rows = form_slice.rows
    funds_at = _find_row(rows, *FUNDS_HEADER_LABELS)
    goals_at = _find_row(rows, "预期目标")
    indicators_at = _find_row(rows, "三级指标", "一级指标")
    header_end = min(i for i in (funds_at, goals_at, indicators_at, len(rows)) if i is not None)
    form = Form(form_index=form_index, pages=form_slice.pages)
    form.title = _title(form_slice)
    form.project = _project(rows[:header_end], reader)
    if form.project.year is None and form.title and "绩效自评年度" not in _all_keys(rows[:header_end]):
        match = re.match(r"(\d{4})年", form.title)
        form.project.year = int(match.group(1)) if match else None
    ratio = None
    if funds_at is not None:
        funds_end = next(i for i in (goals_at, indicators_at, len(rows)) if i is not None and i > funds_at)
        form.funds, ratio = _funds(rows[funds_at], rows[funds_at + 1:funds_end], reader)
    if goals_at is not None:
        form.goals = _goals(rows, goals_at, reader)
    if indicators_at is not None:
        _indicators(form, rows, indicators_at, reader, ocr="ocr" in form_slice.sources)
    form.provenance = Provenance(pages=form_slice.pages, source=_source(form_slice), fields=reader.sources)
    return MappedForm(form=form, unreadable=reader.unreadable, rate_printed_as_ratio=ratio)


def _source(form_slice: FormSlice) -> str:
    if len(form_slice.sources) > 1:
        return "mixed"
    return next(iter(form_slice.sources), "text_layer")


def _find_row(rows: list[FormRow], *labels: str) -> int | None:
    for index, row in enumerate(rows):
        if any(rc.starts_here and starts_with_label(rc.key, label) for rc in row.cells for label in labels):
            return index
    return None


def _all_keys(rows: list[FormRow]) -> set[str]:
    return {rc.key for row in rows for rc in row.cells}


def _title(form_slice: FormSlice) -> str | None:
    candidates = [line.text for line in form_slice.title_lines]
    if form_slice.rows:
        first = form_slice.rows[0]
        if len(first.cells) == 1:
            candidates.append(first.cells[0].text)
    for text in reversed(candidates):
        cleaned = TITLE_PREFIX.sub("", normalize_text(text) or "")
        if "自评表" in cleaned:
            return cleaned
    return None


def _project(rows: list[FormRow], reader: FieldReader) -> Project:
    values: dict[str, object] = {}
    for row in rows:
        for rc in row.cells:
            if not rc.starts_here:
                continue
            name = _project_label(rc)
            value_cell, fused_value = row.right_of(rc), None
            if value_cell is not None and _project_label(value_cell) is not None:
                value_cell = None
            if name is None and value_cell is None:
                name, fused_value = _fused_project_label(rc)
            if name is None or name in values:
                continue
            source = rc if fused_value is not None else value_cell
            values[name] = _project_value(name, source, reader, text=fused_value)
    return Project(**values)


def _project_label(rc: RowCell) -> str | None:
    label = match_label(rc.key.replace("(元)", ""), PROJECT_LABELS, prefix=False)
    return PROJECT_LABELS[label] if label else None


def _fused_project_label(rc: RowCell) -> tuple[str | None, str | None]:
    """A label cell that also holds its value (the ruling between them was lost): (field, value)."""
    text = normalize_text(rc.text) or ""
    label = next((label for label in PROJECT_LABELS if text.startswith(label)), None)
    if label is None:
        return None, None
    value = text[len(label):].lstrip(":：(元)（）")
    return (PROJECT_LABELS[label], value) if value else (None, None)


def _project_value(name: str, rc: RowCell | None, reader: FieldReader, text: str | None = None):
    path = f"project.{name}"
    if name == "amount":
        return reader.number(path, rc, text)
    text = reader.text(path, rc, text)
    if name == "year":
        match = re.search(r"\d{4}", text or "")
        return int(match.group(0)) if match else None
    return text


def _columns(header: FormRow, names: dict[str, str], below: list[FormRow] = ()) -> list[Column]:
    """Column x-ranges from the header's labels.

    A header cell holding several labels (a faint ruling between them was
    not found) is split at the cell borders of the rows below it.
    """
    columns: list[Column] = []
    for rc in header.cells:
        labels = _labels_in(rc.key, names)
        if len(labels) > 1:
            edges = _split_edges(rc, len(labels), below)
            spans = list(zip(edges, edges[1:]))
        else:
            label = find_label(rc.key, names)
            labels, spans = ([label], [(rc.x0, rc.x1)]) if label else ([], [])
        for label, (x0, x1) in zip(labels, spans):
            if all(c.name != names[label] for c in columns):
                columns.append(Column(names[label], x0, x1))
    return columns


def _with_unlabelled_columns(header: FormRow, columns: list[Column], order: list[str],
                             below: list[FormRow] = ()) -> list[Column]:
    """Name header cells whose label could not be read (a seal over it) from the columns' printed order.

    Between two named columns (or after the last), the unnamed header cells take
    the names that the order puts there, when there are exactly as many of each,
    or when one unnamed cell spans them all and the rows below part it into as
    many cells (the seal also wiped the ruling between the labels); before the
    first named column, the cells next to it do (row labels lie further left).
    """
    named = sorted(columns, key=lambda c: c.x0)
    if not named:
        return columns
    unnamed = [rc for rc in sorted(header.cells, key=lambda rc: rc.x0)
               if rc.starts_here and not any(_overlap(rc, c) > 0.5 * (rc.x1 - rc.x0) for c in columns)]
    out = list(columns)
    first = named[0]
    leading = [name for name in order[:order.index(first.name)] if all(c.name != name for c in columns)]
    before = [rc for rc in unnamed if rc.x1 <= first.x0 + 0.005]
    if leading and len(before) >= len(leading):     # the columns next to the first named one
        out.extend(Column(name, rc.x0, rc.x1) for name, rc in zip(leading, before[-len(leading):]))
    edge = Column("", float("inf"), float("inf"))
    for left, right in zip(named, [*named[1:], edge]):
        a = order.index(left.name)
        b = order.index(right.name) if right is not edge else len(order)
        missing = [name for name in order[a + 1:b] if all(c.name != name for c in columns)]
        between = [rc for rc in unnamed if left.x1 - 0.005 <= rc.x0 and rc.x1 <= right.x0 + 0.005]
        if missing and len(missing) == len(between):
            out.extend(Column(name, rc.x0, rc.x1) for name, rc in zip(missing, between))
        elif len(missing) > 1 and len(between) == 1:
            edges = _ruled_edges(between[0], len(missing), below)
            if edges:
                out.extend(Column(name, x0, x1) for name, x0, x1 in zip(missing, edges, edges[1:]))
    return out


def _labels_in(key: str, names: dict[str, str]) -> list[str]:
    found = sorted((key.find(label), label) for label in names if label in key)
    # a label inside a longer one found at the same place (分值 in 总分值) is not a second label
    out: list[str] = []
    for at, label in found:
        if out and at < key.find(out[-1]) + len(out[-1]):
            continue
        out.append(label)
    return out


def _split_edges(rc: RowCell, parts: int, below: list[FormRow]) -> list[float]:
    edges = _ruled_edges(rc, parts, below)
    if edges:
        return edges
    step = (rc.x1 - rc.x0) / parts
    return [rc.x0, *(rc.x0 + step * k for k in range(1, parts)), rc.x1]


def _ruled_edges(rc: RowCell, parts: int, below: list[FormRow]) -> list[float] | None:
    """The edges parting ``rc`` into ``parts`` cells as the rows below are ruled, if they are."""
    inner = sorted({round(other.x0, 3) for row in below for other in row.cells
                    if rc.x0 + 0.005 < other.x0 < rc.x1 - 0.005})
    merged: list[float] = []
    for x in inner:
        if not merged or x - merged[-1] > 0.005:
            merged.append(x)
    return [rc.x0, *merged, rc.x1] if len(merged) == parts - 1 else None


def _overlap(rc: RowCell, column: Column) -> float:
    return max(0.0, min(rc.x1, column.x1) - max(rc.x0, column.x0))


def _cells_by_column(row: FormRow, columns: list[Column], skip: set[int] = frozenset()) -> dict[str, RowCell]:
    """Each cell goes to the column it overlaps most; each column keeps its best cell."""
    best: dict[str, tuple[float, RowCell]] = {}
    for rc in row.cells:
        if id(rc.cell) in skip:
            continue
        scored = [(_overlap(rc, column), column) for column in columns]
        amount, column = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        if column is None or amount <= 0.5 * min(rc.x1 - rc.x0, column.x1 - column.x0):
            continue
        if column.name not in best or amount > best[column.name][0]:
            best[column.name] = (amount, rc)
    return {name: rc for name, (_, rc) in best.items()}


def _funds(header: FormRow, rows: list[FormRow], reader: FieldReader) -> tuple[Funds, bool | None]:
    columns = _with_unlabelled_columns(header, _columns(header, FUNDS_COLUMNS, rows), list(FUNDS_COLUMNS.values()),
                                       rows)
    funds = Funds()
    for row in rows:
        label = next(((rc, name) for rc in row.cells for key, name in FUNDS_ROWS.items()
                      if _contains_label(rc.key, key)), None)
        if label is None:
            continue
        label_cell, row_name = label
        skip = {id(rc.cell) for rc in row.cells if rc.x1 <= label_cell.x1 + 1e-6}
        cells = _cells_by_column(row, columns, skip)
        values = {}
        for column in columns:
            path = f"funds.{row_name}.{column.name}"
            values[column.name] = reader.number(path, cells.get(column.name))
        setattr(funds, row_name, FundsRow(**values))
    return funds, _convert_ratio_rates(funds)


def _contains_label(key: str, label: str) -> bool:
    return label in key or any(starts_with_label(key[i:], label) for i in range(max(0, len(key) - len(label)) + 1))


def _convert_ratio_rates(funds: Funds) -> bool | None:
    """Rates printed as ratios (0.98 for 98 %) become percent, deciding from the amounts."""
    decision: bool | None = None
    for name in ("total", "appropriation", "carryover", "other"):
        row: FundsRow = getattr(funds, name)
        rate = row.execution_rate
        if rate is None:
            continue
        reading = _ratio_reading(row)
        if reading is None:
            reading = decision          # the amounts cannot tell: the form prints its rates one way
        if reading:
            row.execution_rate = round(rate * 100, 6)
        if reading is not None and decision is None:
            decision = reading
    return decision


def _ratio_reading(row: FundsRow) -> bool | None:
    """True: printed as a ratio; False: percent; None: the amounts cannot tell."""
    rate, executed, annual = row.execution_rate, row.executed, row.annual_budget
    if rate is None or not (0 < rate <= 1):
        return False if rate is not None and rate > 1 else None
    if executed is None or not annual:
        return None
    actual = executed / annual * 100
    if abs(rate - actual) <= 0.06:
        return False
    return abs(rate * 100 - actual) <= 0.6


def _goals(rows: list[FormRow], header_at: int, reader: FieldReader) -> Goals:
    header = rows[header_at]
    columns = _columns(header, GOAL_COLUMNS)
    columns = _with_unlabelled_columns(header, columns, list(GOAL_COLUMNS.values()))
    header_cells = {id(rc.cell) for rc in header.cells}
    for row in rows[header_at + 1:]:
        cells = _cells_by_column(row, columns, skip=header_cells)
        if any(rc.starts_here for rc in cells.values()):
            return Goals(expected=reader.text("goals.expected", cells.get("expected")),
                         actual=reader.text("goals.actual", cells.get("actual")))
    return Goals()


def _split_points(text: str | None) -> tuple[str | None, float | None]:
    """'产出指标 (50分)' -> ('产出指标', 50); OCR noise after the bracket is dropped."""
    if not text:
        return None, None
    match = POINTS.match(text) or POINTS_OPENING_LOST.match(text)
    if match:
        digits = match.group(2).translate(OCR_DIGITS)
        points = float(digits) if NUMBER.match(digits) else None
        return normalize_text(match.group(1)), points
    return text, None


def snap_label(text: str | None, known) -> str | None:
    """An OCR reading one character off a template label is that label (printed odd labels stay)."""
    if not text or text in known:
        return text
    label = match_label(text, known, prefix=False)
    return label or text


def _indicators(form: Form, rows: list[FormRow], header_at: int, reader: FieldReader, ocr: bool) -> None:
    columns = _columns(rows[header_at], INDICATOR_COLUMNS, rows[header_at + 1:header_at + 6])
    columns = _with_unlabelled_columns(rows[header_at], columns, list(INDICATOR_COLUMNS.values()),
                                       rows[header_at + 1:header_at + 6])
    header_cells = {id(rc.cell) for rc in rows[header_at].cells}
    body = rows[header_at + 1:]
    total_at = _total_row(body, columns)
    data_rows = body if total_at is None else body[:total_at]
    if total_at is not None:
        total_cells = _cells_by_column(body[total_at], columns)
        if "weight" not in total_cells:
            total_cells = _total_cells_in_order(body[total_at]) or total_cells
        form.total = Total(weight=reader.number("total.weight", total_cells.get("weight"), points=ocr),
                           score=reader.number("total.score", total_cells.get("score"), points=ocr))
        if ocr and form.total.weight is None:
            # every form prints its total weight; on a scan its absence is a cell not read, not an empty one
            reader.unreadable.setdefault("total.weight", "总分行未读到分值")
    cell_rows = [_cells_by_column(row, columns, skip=header_cells) for row in data_rows]
    cell_rows = [cells for cells in cell_rows if _has_content(cells)]
    levels = LevelFiller(cell_rows, snap=ocr)
    for index, cells in enumerate(cell_rows):
        level1, level2 = levels.resolve(index)
        path = f"indicators[{index}]"
        reader.note(f"{path}.level1", cells.get("level1"), spelled_out=ocr and _spells_level1(cells.get("level1")))
        reader.note(f"{path}.level2", cells.get("level2"), spelled_out=ocr and _spells_level2(cells.get("level2")))
        form.indicators.append(Indicator(
            level1=level1, level2=level2,
            name=reader.text(f"{path}.name", cells.get("name")),
            target=reader.text(f"{path}.target", cells.get("target")),
            actual=reader.text(f"{path}.actual", cells.get("actual")),
            weight=reader.number(f"{path}.weight", cells.get("weight"), points=ocr),
            score=reader.number(f"{path}.score", cells.get("score"), points=ocr),
            deviation=reader.text(f"{path}.deviation", cells.get("deviation")),
        ))
        if ocr:
            _restore_percent_sign(form.indicators[-1], f"{path}.actual", reader)
            _flag_fragments(form.indicators[-1], path, reader)
            _read_deviation_fragment(form.indicators[-1], f"{path}.deviation", reader)
            _guess_a_row_of_nothing(form.indicators[-1], path, reader)
            _blank_weight_of_a_scored_row(form.indicators[-1], path, cells.get("weight"), reader)
            read_from_twin(form.indicators[-1], path, reader.sources, reader.unreadable)
    form.level1_weights = levels.weights()


def _restore_percent_sign(indicator: Indicator, path: str, reader: FieldReader) -> None:
    """An actual read as a number and one stray mark, in a row whose target is a percentage: the
    '%' is what the mark was. The field goes to review with the reading it replaced."""
    if not (indicator.target or "").rstrip().endswith(("%", "％")):
        return
    actual = indicator.actual or ""
    number = _number_before_lost_percent(actual) or _rate_with_worn_one(actual)
    if number is not None:
        reader.unreadable[path] = f"{PERCENT_GUESSED}：{actual}"
        indicator.actual = number + "%"


def _number_before_lost_percent(actual: str) -> str | None:
    """'100Z', '100车' → '100'; '1009' (the '%' read as a digit under a seal's letter: no rate above
    a hundred is printed without its '%') → '100'; a unit after the number ('685条') is printed so."""
    match = PERCENT_SIGN_LOST.match(actual)
    if match:
        return match.group(1) if match.group(2) not in UNIT_CHARS else None
    match = PERCENT_READ_AS_DIGIT.match(actual)
    if match and float(match.group(1) + match.group(2)) > 100 >= float(match.group(1)):
        return match.group(1)
    return None


def _read_deviation_fragment(indicator: Indicator, path: str, reader: FieldReader) -> None:
    """A deviation read as a few characters that are none of its short phrases: the truth forms'
    deviations are blank (670), 无偏差 (96), 无 (4) or a sentence of nine characters or more, none
    with a Latin letter. 'X偏差' or '无偏X' is 无偏差 with a character lost under a seal ('有偏差'
    excepted); any other fragment ('正', '11', 'xR', '用军城A') is a seal's remains in a blank cell.
    Either goes to review with the reading it replaced."""
    text = "".join((indicator.deviation or "").split())
    if not _deviation_fragment(text):
        return
    guess = "无偏差" if _reads_no_deviation(text) else None
    reader.unreadable.setdefault(path, f"{SHORT_DEVIATION_READ}：{text}")
    indicator.deviation = guess


def _reads_no_deviation(text: str) -> bool:
    """'偏差', 'λ偏差', '无偏2': two of 无偏差's three characters where it prints them."""
    if len(text) == 2:
        return text == "偏差"
    return len(text) == 3 and sum(a == b for a, b in zip(text, "无偏差")) >= 2


def _deviation_fragment(text: str) -> bool:
    if not text or text in SHORT_DEVIATIONS:
        return False
    return len(text) <= 3 or (len(text) <= 8 and "偏差" not in text and LATIN_LETTER.search(text) is not None)


def _rate_with_its_point(text: str) -> str | None:
    """'9742%' → '97.42%', '9.5.95%' → '95.95%': a rate's decimal point lost or doubled. A rate is at
    most 100, printed with at most two decimals, the last not 0 (of the truth's rates only 100.00%
    ends so); where one place of the point alone makes it so, that is the guess ('5100%' is no
    51.00%, more likely a stray digit before 100%: none)."""
    match = RATE_POINTS_ASTRAY.fullmatch(text)
    if match is None:
        return None
    head, number, tail = match.groups()
    digits = number.replace(".", "")
    places = [f"{digits[:at]}.{digits[at:]}" if at < len(digits) else digits
              for at in range(max(1, len(digits) - 2), len(digits) + 1)]
    rates = [place for place in places
             if float(place) <= 100 and not LEADING_ZERO.match(place) and not ("." in place and place.endswith("0"))]
    return f"{head}{rates[0]}{tail}" if len(rates) == 1 else None


def _rate_with_worn_one(actual: str) -> str | None:
    """'i00a', 'l00', 'l00%' → '100': a rate up to a hundred whose '1' was read as a Latin letter.
    The letter shows the reading worn, so a bare rate lost its '%' too."""
    with_one = LATIN_ONE.sub(r"\g<1>1", actual)
    if with_one == actual:
        return None
    number = _number_before_lost_percent(with_one) or (
        with_one.rstrip("%％") if BARE_RATE.match(with_one) else None)
    return number if number is not None and float(number.lstrip(COMPARATOR_CHARS)) <= 100 else None


def _flag_fragments(indicator: Indicator, path: str, reader: FieldReader) -> None:
    """A row's text read as a fragment no form prints goes to review: a unit alone (its number
    lost under a seal's stroke), a number with a point too many or too few, a few Latin letters or
    one odd character alone (a seal's letter).
    Where the fragment most likely stands for something, that is kept as the reviewer's guess."""
    for name in ("name", "target", "actual", "deviation"):
        text = (getattr(indicator, name) or "").strip()
        reason = _fragment_reason(text, measured=name in ("target", "actual"))
        if reason is None:
            continue
        reader.unreadable.setdefault(f"{path}.{name}", f"{reason}：{text}")
        guess = _fragment_guess(text, name, indicator)
        if guess is not None:
            setattr(indicator, name, guess)


def _fragment_reason(text: str, *, measured: bool) -> str | None:
    unit = "".join(text.split()).lstrip(COMPARATOR_CHARS)
    if measured and unit and len(unit) <= 2 and all(char in UNIT_CHARS for char in unit):
        return NUMBER_LOST
    if measured and MALFORMED_NUMBER.search(text):
        return MALFORMED_NUMBER_READ
    if measured and DASH_BEFORE_NUMBER.match(text):
        return DASH_BEFORE_NUMBER_READ
    if STRAY_LETTERS.match(text):
        return STRAY_LETTERS_READ
    if len(text) == 1 and is_chinese(text) and text not in ONE_CHARACTER_FIELDS | UNIT_CHARS:
        return LONE_CHARACTER_READ
    return None


def _fragment_guess(text: str, name: str, indicator: Indicator) -> str | None:
    """'I' in a target or actual for a '1'; a unit alone for the other of target and actual where
    that is a plain count in the same unit (a target printed without a comparator is met as
    printed: '1年' and '1年' in 124 of 125 truth rows); one mark alone in a row whose other texts
    read '无' for '无' (a row of nothing prints '无' in name, target and actual; a seal's letter
    over one)."""
    if name in ("target", "actual"):
        if text in ("I", "l", "|"):
            return "1"
        if (rate := _rate_with_its_point(text)) is not None:
            return rate
        other = (indicator.actual if name == "target" else indicator.target) or ""
        count = PLAIN_COUNT.match(other)
        if count and count.group(2) == text:
            return other
    siblings = {getattr(indicator, other) for other in ("name", "target", "actual") if other != name}
    if name != "deviation" and len(text) == 1 and "无" in siblings:
        return "无"
    return None


def _guess_a_row_of_nothing(indicator: Indicator, path: str, reader: FieldReader) -> None:
    """A row that names nothing ('无' for name and target) prints '无' or the like as its actual and
    weighs 0: all 42 such truth rows print an actual and a weight, 41 of them 0. An actual or weight
    lost (not read, or read as no number) is guessed '无' or 0; then, the weight 0, a doubtful score
    is 0 too (a score is at most its weight). Every guess stays in review; a doubtful reading of
    the actual or weight ('不适用', 10 at 0.5) is left as read."""
    if not (indicator.name == "无" and indicator.target == "无"):
        return
    if _lost(indicator.actual, f"{path}.actual", reader):
        indicator.actual = "无"
    if _lost(indicator.weight, f"{path}.weight", reader):
        indicator.weight = 0
    if indicator.weight == 0 and f"{path}.score" in reader.unreadable:
        indicator.score = 0         # a blank score is left blank: one truth row of nothing prints none


def _blank_weight_of_a_scored_row(indicator: Indicator, path: str, cell: RowCell | None,
                                  reader: FieldReader) -> None:
    """A weight read as nothing in a row that scored points was lost (a seal's letter lifted with
    it): no score exceeds its weight, and no truth row prints a score without one (the 44 blank
    weights of the truth forms all score nothing). It goes to review, where the sums may tell it."""
    if indicator.weight is None and cell is not None and not cell.text.strip() \
            and (indicator.score or 0) > 0 and f"{path}.score" not in reader.unreadable:
        reader.note_lost(f"{path}.weight", cell, WEIGHT_OF_A_SCORED_ROW_LOST)


def _lost(value, path: str, reader: FieldReader) -> bool:
    """A cell of a row that prints every cell read as nothing: lost, and flagged so."""
    if value not in (None, ""):
        return False
    reader.unreadable.setdefault(path, NOTHING_CELL_LOST)
    return True


def _total_cells_in_order(row: FormRow) -> dict[str, RowCell] | None:
    """The 总分 row's weight and score as the two cells after its label, where the columns place
    no weight: a table cut short on a page of its own (its last column lost under a seal) puts
    every cell off its column, yet the row prints label, weight, score in that order."""
    cells = [rc for rc in row.cells if rc.starts_here]
    label = next((i for i, rc in enumerate(cells) if "总分" in (rc.text or "")), None)
    after = cells[label + 1:] if label is not None else []
    if len(after) < 2 or not all(NUMBER_INSIDE.search(rc.text or "") for rc in after[:2]):
        return None             # a blank weight, or a label that took the weight in: no order to go by
    return {"weight": after[0], "score": after[1]}


def _spells_level1(rc: RowCell | None) -> bool:
    """A level-1 label read whole (the three are two characters or more apart), its points (if
    printed) read as a number: the points are then checked against the level's weights
    (validate's level1_weight_sum)."""
    text = normalize_text(rc.text) if rc is not None else None
    name, points = _split_points(text)
    return name in LEVEL1_NAMES and (points is not None or text == name)


def _spells_level2(rc: RowCell | None) -> bool:
    return rc is not None and normalize_text(rc.text) in DISTINCT_LEVEL2


def _distinct(labels) -> frozenset[str]:
    """The labels two characters or more from every other one."""
    return frozenset(a for a in labels if all(edit_distance(a, b) >= 2 for b in labels if b != a))


DISTINCT_LEVEL2 = _distinct(LEVEL1_BY_LEVEL2)    # 数量/质量指标 are one character apart: not vouched for


def _total_row(body: list[FormRow], columns: list[Column]) -> int | None:
    """The 总分 row: by its label, or (label misread) by one cell spanning name, target and actual."""
    by_label = _find_row(body, "总分")
    if by_label is not None:
        return by_label
    spanned = [c for c in columns if c.name in ("name", "target", "actual")]
    for index, row in enumerate(body):
        for rc in row.cells:
            if rc.starts_here and len(spanned) == 3 and all(_overlap(rc, c) > 0.5 * (c.x1 - c.x0) for c in spanned):
                return index
    return None


def _has_content(cells: dict[str, RowCell]) -> bool:
    return any(cells.get(name) is not None and cells[name].text
               for name in ("name", "target", "actual", "weight", "score", "deviation"))


class LevelFiller:
    """level1/level2 per row: merged cells, split parts, the level2 → level1 template, fill-down.

    A merged label cut by a page break prints its text on one part only: the
    first part tall enough for it. An empty part that starts a new cell takes
    the text of the part that continues it at the top of the next table; an
    empty part at the top of a page continues the cell above it.
    """

    def __init__(self, cell_rows: list[dict[str, RowCell]], snap: bool = False):
        self.rows = cell_rows
        printed1 = self._printed("level1")
        printed2 = self._printed("level2")
        if snap:
            printed1 = [self._snap_level1(text) for text in printed1]
            printed2 = [snap_label(text, LEVEL1_BY_LEVEL2) for text in printed2]
        self.level2 = self._fill_down(printed2, block=printed1)
        self.level1_printed = printed1
        self.snap = snap
        self.level1 = self._fill_down(
            [self._level1_of(text, level2) for text, level2 in zip(printed1, self.level2)])

    def _level1_of(self, printed: str | None, level2: str | None) -> str | None:
        """The printed level-1 label; the template's for the row's level 2 where none is printed or,
        on a scan, where what is printed is no level-1 label even once snapped (a seal over it)."""
        template = LEVEL1_BY_LEVEL2.get(level2 or "")
        if not printed or (self.snap and template and _split_points(printed)[0] not in LEVEL1_NAMES):
            return template or printed
        return printed

    @staticmethod
    def _snap_level1(text: str | None) -> str | None:
        name, points = _split_points(text)
        snapped = snap_label(name, LEVEL1_NAMES)
        if snapped == name or points is None:
            return snapped if points is None else text
        return f"{snapped}({points:g}分)"

    def _printed(self, name: str) -> list[str | None]:
        cells = [row.get(name) for row in self.rows]
        raw = [normalize_text(rc.text) if rc is not None else None for rc in cells]
        out = []
        for index, text in enumerate(raw):
            if not text and cells[index] is not None and self._starts_a_cell(cells, index):
                text = self._continued_text(cells, raw, index)
            out.append(text)
        return out

    @staticmethod
    def _starts_a_cell(cells: list[RowCell | None], index: int) -> bool:
        """Whether a part starts its cell: a part at the top of a page, after rows of the page
        before, continues the cell above, whose text went in its first part tall enough for it."""
        first = index
        while first and cells[first - 1] is not None and cells[first - 1].cell is cells[index].cell:
            first -= 1
        previous = cells[first - 1] if first else None
        return previous is None or previous.page == cells[index].page

    @staticmethod
    def _continued_text(cells: list[RowCell | None], raw: list[str | None], index: int) -> str | None:
        """The text of an empty merged part's continuation at the top of the next page."""
        part = cells[index].cell
        for later in range(index + 1, len(cells)):
            rc = cells[later]
            if rc is None:
                return None
            if rc.cell is part:
                continue
            if rc.page != cells[index].page and rc.cell.row == 0:
                return raw[later]
            return None
        return None

    @staticmethod
    def _fill_down(values: list[str | None], block: list[str | None] | None = None) -> list[str | None]:
        out: list[str | None] = []
        for index, value in enumerate(values):
            same_block = block is None or index == 0 or not block[index] or block[index] == block[index - 1]
            if not value and out and same_block:
                value = out[-1]
            out.append(value)
        return out

    def resolve(self, index: int) -> tuple[str | None, str | None]:
        level1, _ = _split_points(self.level1[index])
        return level1, self.level2[index]

    def weights(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for index, text in enumerate(self.level1_printed):
            name, points = _split_points(text)
            if self.snap and name and name not in LEVEL1_NAMES:
                name = self.resolve(index)[0]
            if name and (name not in out or points is not None):
                out[name] = points
        for index in range(len(self.rows)):
            level1, _ = self.resolve(index)
            if level1 and level1 not in out:
                out[level1] = None
        return out
