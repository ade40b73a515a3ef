"""Scanned pages: prepare the image, find the ruled grid, OCR the cells grid-first.

Pages without a ruled table (cover sheets, narrative report pages, blank
duplex backs) are never sent through OCR: they hold no form, so reading them
would only cost time.  Loose text is recognised only in the bands above each
table, where titles (and ``附件1``) stand.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline import grid
from pipeline.document import PdfSource
from pipeline.objects import BBox, PageLayout, Table, TextLine
from pipeline.ocr.base import OcrEngine
from pipeline.prepare import prepare_page
from pipeline.recognize import DEFAULT_CONFIDENCE_FLOOR, read_cells, read_region
from pipeline.text import normalize_text

log = logging.getLogger("selfeval.scanned")

TITLE_BAND_PT = 90.0     # how far above a table a title may stand
FINER_DOUBT, FINER_DPI = 0.10, 300   # a page with more doubtful cells than this share is read again finer
UPSIDE_DOWN_DOUBT = 0.6  # below this median cell confidence the page is also read turned 180°
RULING_BAND_PT = 2.0     # a ruling's ink is erased within this distance of its grid line


def default_engine() -> OcrEngine:
    """The engine models/manifest.json chose by measurement."""
    from pipeline.ocr import create_engine
    return create_engine()


@dataclass
class ScannedPageReader:
    """A page stage: (source, page) -> PageLayout, with one OCR engine for the process."""
    dpi: int = 200
    confidence_floor: float = DEFAULT_CONFIDENCE_FLOOR
    engine: OcrEngine | None = None      # default_engine() on first use

    def ocr(self) -> OcrEngine:
        if self.engine is None:
            self.engine = default_engine()
        return self.engine

    def __call__(self, source: PdfSource, page_no: int) -> PageLayout:
        dpi = render_dpi(source.image_dpi(page_no), self.dpi)
        image = source.render_color(page_no, dpi)
        prepared = prepare_page(image)
        log.debug("%s page %d: %d dpi, rotation %d, skew %.2f°, %d seals", source.path.name, page_no,
                  dpi, prepared.rotation, prepared.skew_deg, prepared.seals)
        layout = self._read(prepared.gray, page_no, dpi)
        if layout.tables and reading_confidence(layout) < UPSIDE_DOWN_DOUBT:
            # The layout votes on orientation can be wrong on a page of one table; text read
            # upside down is read with little confidence, the right way up with much.
            turned = self._read(cv2.rotate(prepared.gray, cv2.ROTATE_180), page_no, dpi)
            if reading_confidence(turned) > reading_confidence(layout):
                log.info("%s page %d: read upside down, turned 180°", source.path.name, page_no)
                layout = turned
        doubt = doubtful_share(layout, self.confidence_floor)
        if layout.tables and doubt > FINER_DOUBT and dpi < FINER_DPI:
            finer = self._read_at(source, page_no, FINER_DPI)
            if doubtful_share(finer, self.confidence_floor) < doubt:
                log.info("%s page %d: read again at %d dpi", source.path.name, page_no, FINER_DPI)
                layout = finer
        return layout

    def _read_at(self, source: PdfSource, page_no: int, dpi: int) -> PageLayout:
        prepared = prepare_page(source.render_color(page_no, dpi))
        return self._read(prepared.gray, page_no, dpi)

    def _read(self, gray: np.ndarray, page_no: int, dpi: int) -> PageLayout:
        scale = 72.0 / dpi
        height_px, width_px = gray.shape[:2]
        tables = grid.detect_tables(gray, page=page_no, scale=scale)
        free_text: list[TextLine] = []
        cells_image = erase_rulings(gray, tables, scale) if tables else gray
        for table in tables:
            read_cells(cells_image, table, scale=scale, engine=self.ocr(),
                       confidence_floor=self.confidence_floor)
            _normalize_cells(table)
        if tables:
            free_text = self._title_lines(gray, tables, scale, width_px)
        return PageLayout(page=page_no, width=width_px * scale, height=height_px * scale,
                          tables=tables, free_text=free_text, source="ocr")

    def _title_lines(self, gray, tables: list[Table], scale: float, width_px: int) -> list[TextLine]:
        lines: list[TextLine] = []
        previous_bottom = 0.0
        for table in sorted(tables, key=lambda t: t.bbox.y0):
            top = max(previous_bottom, table.bbox.y0 - TITLE_BAND_PT)
            if table.bbox.y0 - top > 4:
                band = BBox(0, top / scale, width_px, table.bbox.y0 / scale)
                lines.extend(_normalized(read_region(gray, band, scale=scale, engine=self.ocr())))
            previous_bottom = table.bbox.y1
        return lines


def render_dpi(scan_dpi: float | None, dpi: int) -> int:
    """``dpi``, or for a scan coarser than that the least whole multiple of its resolution above it.

    A 150-dpi scan rendered at 200 dpi is resampled by 4/3 and its thin strokes
    smear unevenly; at 300 each scan pixel becomes two (hard scans 0.788 →
    0.798 field accuracy). Finer scans gain nothing from more pixels.
    """
    if not scan_dpi or scan_dpi >= dpi - 1:
        return dpi
    return int(round(scan_dpi * math.ceil((dpi - 1) / scan_dpi)))


def doubtful_share(layout: PageLayout, floor: float) -> float:
    """Share of the page's read cells whose confidence is under the floor."""
    read = _read_confidences(layout)
    return sum(c < floor for c in read) / len(read) if read else 0.0


def reading_confidence(layout: PageLayout) -> float:
    """Median confidence of the page's read cells (1.0 when nothing was read)."""
    read = _read_confidences(layout)
    return float(np.median(read)) if read else 1.0


def _read_confidences(layout: PageLayout) -> list[float]:
    return [cell.confidence for table in layout.tables for cell in table.cells if cell.text]


def erase_rulings(gray: np.ndarray, tables: list[Table], scale: float) -> np.ndarray:
    """Whiten the ruling lines' own ink along the cells' borders, so no line remnant enters a crop.

    The ink mask follows the printed line (a warped or slightly skewed scan
    bends it away from the straight border); limiting it to a band along the
    borders of the cells that exist keeps text elsewhere intact, also inside
    merged cells that a grid line of other rows would cross.
    """
    horizontal, vertical = grid.ruling_masks(gray, scale=scale)
    band = max(2, int(round(RULING_BAND_PT / scale)))
    near_borders = np.zeros(gray.shape[:2], dtype=np.uint8)
    for table in tables:
        for cell in table.cells:
            x0, y0, x1, y1 = (int(round(v / scale)) for v in (cell.bbox.x0, cell.bbox.y0, cell.bbox.x1, cell.bbox.y1))
            cv2.rectangle(near_borders, (x0, y0), (x1, y1), 1, thickness=2 * band + 1)
    lines = cv2.dilate(((horizontal > 0) | (vertical > 0)).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    out = gray.copy()
    out[lines & (near_borders > 0)] = 255
    return out


DASH_RUN = re.compile(r"[一—]{2,}")
# ... but before a measure word the run is the numeral 一, its stroke read twice ('——个月内')
NUMERAL_ONE_DOUBLED = re.compile(r"^[一—]{2}(?=[个次项年月天周日人家份台条件批期])")


STRAY_MARKS = "·・`'"     # dust and pen dots OCR reads at a cell's edge; never a value's first or last character


# Readings the recogniser gives for common words that are no words at all: 间 read as 问
# (the 日 inside blurs to 口), 束 as 东, 措 (of 改进措施, in every form's header) as 借.
IMPOSSIBLE_READINGS = {
    **{f"{head}问": f"{head}间" for head in "时期空房车之区夜瞬池"},
    **{f"问{tail}": f"间{tail}" for tail in "断隔距"},
    "结东": "结束", "借施": "措施", "帝宽": "带宽",     # 带's top blurred shut reads 帝, sure of it
    "大购新区": "大鹏新区",                             # 鹏's 朋 blurred into 贝 and 勹
    "m2²": "m²",                                        # ㎡ read as its m and its 2 twice
}

# The forms' two placeholder phrases, read one character off. 适's 舌 and 辶 blur into other 辶
# characters or 活, 偏's 亻 into 纟 or 辶; 无 under a seal's stroke reads 毛 or 免, 不 reads 本, 木, 来
# or 术, or is lost, or dust joins it: as a whole cell none of those readings is a value.
PLACEHOLDER_MISREADS = (
    (re.compile(r"不[通速造透活道逼递]用|.?适用|不适用."), "不适用"),  # the truth forms' short 适用 cells: 不适用, 222 of 222
    (re.compile(r"无[编遍篇褊骗]差|无偏[星羞]|[毛免]偏差"), "无偏差"),
    (re.compile(r"[一—\-－]无"), "无"),          # a seal's stroke before the 无 of a row of nothing
)

# A semicolon whose tail blurred away reads as a colon, with full confidence. Where a colon
# cannot stand it is put back: before list item 2, 3, … ("…运转：3.组织") and between two
# measures ("≥70个：100%"); a colon before item 1 or a time ("12:30") is left alone.
COLON_BEFORE_LATER_ITEM = re.compile(r"[:：](?=\s*[2-9][.、．](?!\d)|\s*[（(][2-9][)）])")
COLON_BETWEEN_MEASURES = re.compile(r"(?<=\d[%个份次家人场篇期天项条台件套元张单本册户批辆名所处部])[:：](?=\s*[≥≤><≧≦]?\d)")
# ... and after a count before the next clause ('工单258条:上线审批'): a count introduces nothing (the
# truth texts end a count with '；' 9 times, with a colon never).
COLON_AFTER_COUNT = re.compile(r"(?<=\d[个份次家人场篇项条台件套张本册户批辆])[:：](?=[\u4e00-\u9fff])")
# ... and between two items that each open with a comparator ('≥40000件工单标签:≥50篇'); a label's
# colon before its measure ('满意度:≥90%') has no comparator opening the label.
COLON_IN_MEASURE_LIST = re.compile(r"(?:^|(?<=[;；]))[≥≤><≧≦][^;；:：]*[:：](?=\s*[≥≤><≧≦]\s*\d)")

# A bracket between two digits with no bracket opened ('9)8%'): a ruling's remains, never print.
BRACKET_IN_NUMBER = re.compile(r"(?<=\d)[)）](?=\d)")

# Marks and letters the recogniser reads where print never has them, each with what stands there.
MISREAD_MARKS = (
    (re.compile(r"^[:：\-,，](?=[\u4e00-\u9fff])"), ""),    # a colon, hyphen or comma before the first character: dust
    (re.compile(r"^[A-Za-z](?=[\u4e00-\u9fff])(?![类级型档等号区栋座楼])"), ""),  # ... or a lone letter (a tick's
                                                             # or seal's remains), where it labels no class ('A类')
    (re.compile(r"^[(（](?=[^)）】\]]*$)"), ""),              # a first bracket never closed: dust at the cell's edge
    (re.compile(r"(?<=[。，,、])[:：;；]|[:：;；](?=[。，,、])"), ""),  # beside another mark: dust read as a colon
    (re.compile(r"(?<=[\u4e00-\u9fff])\.$"), "。"),                   # no text ends '字.': a full stop lost its ring
    (re.compile(r"(?<=\d)\.$"), ""),                                  # nor '35.': a number's point has digits after it
    (re.compile(r"^(.*[，,。].*[\u4e00-\u9fff])[:：]$"), r"\1。"),  # nor does prose end with a colon ('网络服务：';
                                                                  # the truth texts end with '。' 179 times, ':' never)
    (re.compile(r"(?:^|(?<=[。；;：:]))(\d)[,，](?=[\u4e00-\u9fff])"), r"\1."),  # a list item's number ('1.保障')
    (re.compile(r"(?:^|(?<=[。；;：:]))(\d)×(?=[\u4e00-\u9fff])"), r"\1、"),  # ... its 、 read as × ('3、在')
    (re.compile(r"(?<=(?<!\d)\d{4})[-－‐](?=\d{4}年)"), "—"),      # a range of years takes the 一字线 (GB/T 15834)
                                                             # ('2023—2024年度'); a hyphen is its dash read thin
    (re.compile(r"(?<=\d)↑"), "个"),                           # 个 blurred at 150–200 dpi; no arrow is printed
    (re.compile(r"(?<![研探追深考])究成"), "完成"),              # 完 loses its hook at 150 dpi; 究成 only in 研究成果…
    (re.compile(r"(?<![年月期周始本岁季旬])末(?![端尾梢位次日])"), "未"),  # 未's longer top stroke blurred: 末 only
                                                                  # in 年末, 期末, 末梢… (时未全面 read 时末全面)
    (re.compile(r"(?<=[\u4e00-\u9fff，。、；：])[\[\]|](?=[\u4e00-\u9fff])"), ""),  # between characters: a ruling's remains
    (re.compile(r"(?<=[\u4e00-\u9fff])[a-z](?=[\u4e00-\u9fff])"), ""),   # a lone small letter between characters: dust
    (re.compile(r"(?<![A-Za-z])[iI][sS][0oO](?=\s*\d)"), "ISO"),  # a standard's name ('ISO9001') with I or O misread
    (re.compile(r"(?<![A-Za-z])[D0]A(?=[\u4e00-\u9fff])"), "OA"),   # office automation (OA移动办公), O read as D
)


def _normalize_cells(table: Table) -> None:
    for cell in table.cells:
        cell.text = fix_readings(fix_dash_runs(normalize_text(cell.text) or "")).strip(STRAY_MARKS)


def fix_readings(text: str) -> str:
    for pattern, placeholder in PLACEHOLDER_MISREADS:
        if pattern.fullmatch(text):
            return placeholder
    for wrong, right in IMPOSSIBLE_READINGS.items():
        text = text.replace(wrong, right)
    for pattern, right in MISREAD_MARKS:
        text = pattern.sub(right, text)
    if "(" not in text and "（" not in text:
        text = BRACKET_IN_NUMBER.sub("", text)
    return fix_list_separators(pair_quotes(match_bracket_widths(text)))


def match_bracket_widths(text: str) -> str:
    """A closing bracket takes the width and shape of the one it closes: print never pairs '（' with ')' or '】'.

    The recogniser tells full-width from half-width brackets by their spacing,
    which blur and a tight cell make unreliable.
    """
    out, opened = [], []
    for char in text:
        if char in "(（《":
            opened.append(len(out))
        elif char == "》" and opened and out[opened[-1]] == "《":
            opened.pop()
        elif char in ")）】]" and opened and (out[opened[-1]] != "《" or char in ")）"):
            at = opened.pop()                 # 】 or ] closing a round bracket: its hook misread
            if out[at] == "《":               # ... or a round bracket opened as 《 ('《可控化)')
                out[at] = "(" if char == ")" else "（"
            char = "）" if out[at] == "（" else ")"
        out.append(char)
    return "".join(out)


def pair_quotes(text: str) -> str:
    """Quotes as the forms print them: curly, each “ closed by a ” before the next opens (all 39
    pairs in the truth texts).

    The recogniser reads a blurred ” as '"', and reads a close-open pair set
    tight ('”“') as one '“'. A straight quote takes the curly shape its place
    calls for; a “ while one is open is a new pair if a close follows it before
    the next open, and its ” is put before it; otherwise it is a misread close.
    """
    out, open_quote = [], False
    for at, char in enumerate(text):
        if char == '"':
            char = "”" if open_quote else "“"
        elif char == "“" and open_quote:
            if _closed_before_next_open(text[at + 1:]):
                out.append("”")
            else:
                char = "”"
        if char in "“”":
            open_quote = char == "“"
        out.append(char)
    return "".join(out)


def _closed_before_next_open(rest: str) -> bool:
    quotes = [char for char in rest if char in '“”"']
    return bool(quotes) and quotes[0] in '”"'


def fix_list_separators(text: str) -> str:
    for pattern in (COLON_BEFORE_LATER_ITEM, COLON_BETWEEN_MEASURES, COLON_AFTER_COUNT, COLON_IN_MEASURE_LIST):
        text = pattern.sub(_as_semicolon, text)
    return text


def _as_semicolon(match: re.Match) -> str:
    """The match with its last character, a colon, made a semicolon of the same width."""
    head, colon = match.group(0)[:-1], match.group(0)[-1]
    return head + ("；" if colon == "：" else ";")


def fix_dash_runs(text: str) -> str:
    """PP-OCR reads a printed '——' as '一一' or '—一'; two 一 or — in a row are a dash in these forms."""
    return DASH_RUN.sub(lambda m: "—" * len(m.group(0)), NUMERAL_ONE_DOUBLED.sub("一", text))


def _normalized(lines: list[TextLine]) -> list[TextLine]:
    out = []
    for line in lines:
        text = normalize_text(line.text)
        if text:
            out.append(TextLine(text=text, bbox=line.bbox, confidence=line.confidence))
    return out
