"""The comparator glyph check, on glyphs rendered with the fonts forms are printed in (no OCR)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.glyphs import comparator_of, first_glyph, glyph_count, restore_comma, restore_comparator

FONTS = [p for p in (Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
                     Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
                     Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")) if p.exists()]
pytestmark = pytest.mark.skipif(not FONTS, reason="CJK fonts missing: run scripts/setup.sh")


def line_mask(text: str, font: Path, size: int = 40) -> np.ndarray:
    image = Image.new("L", (16 * size, 2 * size), 255)
    ImageDraw.Draw(image).text((10, size // 4), text, font=ImageFont.truetype(str(font), size), fill=0)
    ink = np.asarray(image) < 128
    rows = np.flatnonzero(ink.any(axis=1))
    return ink[rows[0]:rows[-1] + 1]


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read, expected", [
    ("≥95%", "95%", "≥95%"),        # the recogniser dropped the comparator
    ("≥12", ">12", "≥12"),          # ... or read it as '>'
    ("≤5", "5", "≤5"),
    ("≧90%", "≥90%", "≧90%"),      # two bars: the recogniser's dictionary has no ≧
    ("≦3", "≤3", "≦3"),
    (">3", ">3", ">3"),
    ("95%", "95%", "95%"),          # nothing to restore
    ("2021年", "2021年", "2021年"),  # a 2 is no chevron
    ("7天", "7天", "7天"),
    ("1200", "1200", "1200"),
    ("12>台", "12台", "12台"),      # a chevron further on puts no comparator in front of the number
    ("≥95%", "≥>95%", "≥95%"),      # one chevron read as two marks
    ("≥5;≤3", "≥>5;<<3", "≥5;≤3"),
    ("通知》要求", "通知>》要求", "通知>》要求"),  # marks side by side before no number are left alone
])
def test_restore_comparator(font, printed, read, expected):
    assert restore_comparator(read, line_mask(printed, font)) == expected


def test_glyph_geometry_helpers():
    font = FONTS[0]
    mask = line_mask("≥12", font)
    assert glyph_count(mask) == 3
    assert comparator_of(first_glyph(mask), mask.shape[0]) == ">="
    assert comparator_of(first_glyph(line_mask("8", font)), mask.shape[0]) is None


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
def test_double_bar_blurred_into_one_band_is_still_two_bars(font):
    """A coarse scan blurs the bars of ≧ into one band with a faint row between; one bar stays one."""
    import cv2

    def scanned(text):
        mask = line_mask(text, font, size=16).astype(np.uint8)
        return cv2.GaussianBlur(mask * 255.0, (0, 0), 0.6) > 100
    assert restore_comparator("≥90%", scanned("≧90%")) == "≧90%"
    assert restore_comparator("≥90%", scanned("≥90%")) == "≥90%"


def glyph_mask(text: str, font: Path, size: int = 40) -> np.ndarray:
    image = Image.new("L", (8 * size, 2 * size), 255)
    ImageDraw.Draw(image).text((size // 2, size // 4), text, font=ImageFont.truetype(str(font), size), fill=0)
    return np.asarray(image) < 128


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("text, slash", [("/", True), ("1", False), ("7", False), ("l", False), ("0", False)])
def test_lone_slash_is_told_from_one_and_seven(font, text, slash):
    from pipeline.glyphs import is_lone_slash
    assert is_lone_slash(glyph_mask(text, font), text_height=32) is slash


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("text, slash", [("/", True), ("1", False), ("7", False), ("1/2", False), ("/1", False)])
def test_a_slash_with_specks_beside_it_and_a_seal_s_remains_above(font, text, slash):
    """A seal's lifted letters leave light pieces at the cell's top; dust sits at the stroke's foot."""
    from pipeline.glyphs import is_lone_slash
    mask = glyph_mask(text, font).copy()
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    top, foot, right = int(rows[0]), int(rows[-1]), int(cols[-1])
    mask[top - 9:top - 3, 4:9] = True                     # the seal's remains, above the stroke
    mask[top - 10:top - 2, 14:20] = True
    mask[foot - 2:foot, right + 2:right + 4] = True       # a speck at its foot
    assert is_lone_slash(mask, text_height=32) is slash


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("text, slash", [("/", True), ("1", False), ("7", False)])
def test_a_fattened_slash_is_still_a_slash(font, text, slash):
    """Blur and a 150-dpi scan upsampled to 300 fatten a '/' until it fills over half its box."""
    import cv2
    from pipeline.glyphs import is_lone_slash
    fat = cv2.dilate(glyph_mask(text, font, size=30).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    assert is_lone_slash(fat, text_height=32) is slash


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("text, slash", [("/", True), ("0", False), ("6", False), ("8", False)])
def test_a_digit_a_seal_s_stroke_crossed_is_no_slash(font, text, slash):
    """Typical seed 21: a seal's straight stroke left across a score's '0' made one slanted piece
    of it, taken for a '/' placeholder: the score 0 went out blank at 0.99. A '/' shuts in no paper."""
    import cv2
    from pipeline.glyphs import is_lone_slash
    mask = glyph_mask(text, font).astype(np.uint8)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    cv2.line(mask, (int(cols[0]) - 2, int(rows[-1]) + 2), (int(cols[-1]) + 2, int(rows[0]) - 2), 1, 2)
    assert is_lone_slash(mask > 0, text_height=32) is slash


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read, expected", [
    ("未实施。", "未实施0", "未实施。"),     # a low small ring after CJK is a full stop
    ("易用性。", "易用性α", "易用性。"),
    ("未实施。", "未实施■", "未实施。"),     # blurred shut on a coarse scan
    ("达到100", "达到100", "达到100"),       # a full-height 0 stays a digit
    ("友好性。", "友好性四", "友好性。"),
    ("指标目标。", "指标目标1", "指标目标。"),
    ("提供重要支撑。", "提供重要支撑⑥", "提供重要支撑。"),   # a ring read as a circled digit (typical seed 99)
    ("第1", "第1", "第1"),                   # a full-height 1 stays a digit
    ("窗口", "窗口", "窗口"),
    ("用户□", "用户■", "用户■"),             # a full-height box is no full stop
])
def test_trailing_full_stop(font, printed, read, expected):
    from pipeline.glyphs import restore_full_stop
    assert restore_full_stop(read, line_mask(printed, font)) == expected


def test_a_dropped_full_stop_centred_in_its_em_is_put_back():
    """Hard seed 0 001_02 page 1 at 300 dpi: the font centres its '。' (rows 13–25 of a 40-row line),
    blurred to a dot, and the recogniser dropped it."""
    import cv2

    from pipeline.glyphs import restore_full_stop
    path = Path(__file__).resolve().parent / "data" / "full_stops" / "centred_stop_line.png"
    mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) > 0
    assert restore_full_stop("完成项目建设并竣工验收", mask) == "完成项目建设并竣工验收。"


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read", [
    ("≥100张；≥50份；≥10份", ">100张；>50份；≥10份"),   # every comparator of a compound, not only the first
    ("离职率≤20%", "离职率<20%"),
    ("大于50%", "大于50%"),
    ("2021年12月前", "2021年12月前"),
])
def test_comparators_anywhere_in_the_line(font, printed, read):
    assert restore_comparator(read, line_mask(printed, font)) == printed


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
def test_bare_comparator_needs_a_bare_chevron(font):
    from pipeline.glyphs import comparator_doubtful
    assert not comparator_doubtful(">3", line_mask(">3", font))
    assert comparator_doubtful(">3", line_mask("≥3", font)) or restore_comparator(">3", line_mask("≥3", font)) == "≥3"
    assert not comparator_doubtful("≥3", line_mask("≥3", font))


def drawn_chevron_then(bar_stub: int, then: str = "9", digit_scale: float = 0.5) -> np.ndarray:
    """A one-piece '>' drawn 16 px high, with a stub of a slanted bar fused to its foot, then text."""
    import cv2

    mask = np.zeros((34, 70), np.uint8)
    cv2.line(mask, (1, 19), (12, 25), 1, 2)
    cv2.line(mask, (12, 26), (1, 32), 1, 2)
    if bar_stub:
        cv2.line(mask, (2, 33), (2 + bar_stub, 33 - bar_stub // 2), 1, 1)
    if then.startswith("="):
        cv2.line(mask, (17, 24), (25, 24), 1, 2)
        cv2.line(mask, (17, 29), (25, 29), 1, 2)
        then = then[1:]
    cv2.putText(mask, then, (32, 33), cv2.FONT_HERSHEY_SIMPLEX, digit_scale, 1, 2 if digit_scale > 0.5 else 1)
    return mask.astype(bool)


def test_a_chevron_between_bare_and_bar_fused_is_told_by_its_height():
    # a blurred ⩾ at 200 dpi comes out 1.24-1.29 times heavier below than above, a bare '>' in
    # some fonts 1.21-1.23: there the bar shows in the height (⩾ as high as the digit after it,
    # a bare chevron as a small letter); where that overrules the recogniser, the line goes to review
    from pipeline.glyphs import comparator_doubtful
    for stub in (0, 5):
        assert restore_comparator(">9", drawn_chevron_then(stub)) == ">9"
        assert not comparator_doubtful(">9", drawn_chevron_then(stub))
    assert restore_comparator(">9", drawn_chevron_then(8)) == "≥9"
    assert comparator_doubtful("≥9", drawn_chevron_then(8), overruled=True)
    assert not comparator_doubtful("≥9", drawn_chevron_then(8))        # read so: it stands
    assert restore_comparator(">9", drawn_chevron_then(8, digit_scale=1.2)) == ">9"
    assert not comparator_doubtful(">9", drawn_chevron_then(8, digit_scale=1.2))


def test_a_printed_equals_sign_after_the_chevron_is_its_bar():
    assert restore_comparator(">=9", drawn_chevron_then(8, "=9")) == ">=9"


# ⩾ from a 200-dpi scan: its slanted bar lies apart from the chevron and reaches up beside the lower arm
SLANTED_BAR_APART = """
####............... ######............. ..######........... ....######......... ......######.......
........######..... ..........######... .............#####. ..............##### ..............#####
.............#####. ...........#####... .........#####..... .......######...##. .....#####....####.
...######...#####.. .######...#####.... #####...#####...... ###...######....... ....######.........
..######........... ######............. ####............... ##.................
"""


def glyph_from_rows(rows: str) -> np.ndarray:
    return np.array([[char == "#" for char in row] for row in rows.split()])


def test_a_slanted_bar_apart_from_its_chevron():
    assert comparator_of(glyph_from_rows(SLANTED_BAR_APART), line_height=25) == ">="


ALL_FONTS = FONTS + [p for p in (Path("/usr/share/fonts/truetype/arphic/ukai.ttc"),) if p.exists()]


def blurred_line_mask(text: str, font: Path, size: int = 28) -> np.ndarray:
    """A line as a 200-dpi scan shows it: blurred, then binarised generously (strokes fuse)."""
    import cv2

    image = Image.new("L", (16 * size, 2 * size), 255)
    ImageDraw.Draw(image).text((10, size // 4), text, font=ImageFont.truetype(str(font), size), fill=0)
    ink = cv2.GaussianBlur(np.asarray(image), (0, 0), 0.9) < 190
    rows = np.flatnonzero(ink.any(axis=1))
    return ink[rows[0]:rows[-1] + 1]


@pytest.mark.parametrize("font", ALL_FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read", [("≥90%", ">90%"), ("≤5", "<5"), (">9", ">9"), ("<2", "<2")])
def test_comparator_with_its_bar_fused_by_blur(font, printed, read):
    assert restore_comparator(read, blurred_line_mask(printed, font)) == printed


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read, expected", [
    ("。", "0", "。"), ("0", "0", "0"),
    ("一", "一", "一"), ("、", "、", "、"),
])
def test_full_stop_wrapped_onto_a_line_of_its_own(font, printed, read, expected):
    from pipeline.glyphs import restore_full_stop
    text_height = line_mask("项目", font).shape[0]
    assert restore_full_stop(read, line_mask(printed, font), text_height) == expected


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read, expected", [
    ("。", "日", "。"), ("。", "目", "。"),      # a ring blurred shut, scaled to a line's height, reads boxy
    ("一", "一", "一"), ("、", "、", "、"),
])
def test_blurred_full_stop_on_a_line_of_its_own_read_as_a_character(font, printed, read, expected):
    from pipeline.glyphs import restore_full_stop
    text_height = blurred_line_mask("项目", font, size=24).shape[0]
    assert restore_full_stop(read, blurred_line_mask(printed, font, size=24), text_height) == expected


@pytest.mark.parametrize("font", ALL_FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed", ["建设；做好", "名称：当年", "标签;≥50篇:≥4场", "比例：95%；", "时间:2023年"])
def test_a_reading_is_never_made_a_colon_or_a_wrong_semicolon(font, printed):
    from pipeline.glyphs import restore_colon_marks
    as_colons = printed.replace("；", "：").replace(";", ":")
    for mask in (line_mask(printed, font), blurred_line_mask(printed, font)):
        assert restore_colon_marks(printed, mask) == printed
        assert restore_colon_marks(as_colons, mask) in (printed, as_colons)


@pytest.mark.parametrize("size", [32, 40])
@pytest.mark.parametrize("printed", ["建设；做好", "比例：95%；", "1.构建平台；搭建"])
def test_semicolon_read_as_colon_in_song(size, printed):
    """Forms print in a Song face (uming here): its semicolon's comma is taller and heavier than the dot."""
    from pipeline.glyphs import restore_colon_marks
    font = Path("/usr/share/fonts/truetype/arphic/uming.ttc")
    if not font.exists():
        pytest.skip("uming missing: run scripts/setup.sh")
    assert restore_colon_marks(printed.replace("；", "："), line_mask(printed, font, size)) == printed
    assert restore_colon_marks(printed.replace("；", "："), blurred_line_mask(printed, font, size)) == printed


def test_semicolons_left_alone_when_the_marks_do_not_match_the_reading():
    from pipeline.glyphs import restore_colon_marks
    mask = line_mask("建设；做好；", FONTS[0])
    assert restore_colon_marks("建设：做好", mask) == "建设：做好"     # one mark read, two printed


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read, expected", [
    ("下一步将", "下一步将:", "下一步将"),           # made up after a line's last character
    ("本年度", "本年度；", "本年度"),
    ("未能完成。", ";未能完成。", "未能完成。"),      # ... or before its first
    ("：完成", "：完成", "：完成"),                  # a colon wrapped onto the line: kept
    ("项目名称：", "项目名称：", "项目名称："),      # printed: kept
    ("管理；", "管理；", "管理；"),
])
def test_made_up_colon_at_either_end_of_a_line(font, printed, read, expected):
    from pipeline.glyphs import restore_colon_marks
    assert restore_colon_marks(read, line_mask(printed, font)) == expected


@pytest.mark.parametrize("font", FONTS[:2], ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read, expected", [
    ("竣工验收。", "竣工验收", "竣工验收。"),     # a blurred-shut ring the recogniser dropped
    ("竣工验收", "竣工验收", "竣工验收"),
    ("每月活动，达到90%。", "每月活动，达到90%", "每月活动，达到90%。"),   # ... after a rate ending a sentence
    ("每月活动，达到90%", "每月活动，达到90%", "每月活动，达到90%"),
    ("达到90%。", "达到90%", "达到90%"),          # a value: what follows it is no full stop
    ("完成100", "完成100", "完成100"),
    ("智慧城市建设中心", "智慧城市建设中心", "智慧城市建设中心"),
])
def test_dropped_full_stop_on_a_coarse_scan(font, printed, read, expected):
    from pipeline.glyphs import restore_full_stop
    assert restore_full_stop(read, blurred_line_mask(printed, font, size=24), 20) == expected


def test_a_ruling_sliver_read_as_a_colon_is_dropped():
    """A cell's left ruling leaves a one-pixel sliver in two pieces; the recogniser reads it ';'."""
    from pipeline.glyphs import restore_colon_marks
    line = line_mask("未能完成。", FONTS[0])
    sliver = np.zeros((line.shape[0], 4), dtype=bool)
    sliver[line.shape[0] // 3: line.shape[0] // 3 + 3, 0] = True
    sliver[2 * line.shape[0] // 3: 2 * line.shape[0] // 3 + 5, 0] = True
    assert restore_colon_marks(";未能完成。", np.hstack([sliver, line])) == "未能完成。"


def test_colon_marks_on_a_line_with_no_strong_ink():
    from pipeline.glyphs import restore_colon_marks
    assert restore_colon_marks("项目名称：", np.zeros((20, 80), dtype=bool)) == "项目名称："


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("size", [16, 20, 24, 40])
@pytest.mark.parametrize("printed, read, expected", [
    ("情况，更合理", "情况.更合理", "情况，更合理"),     # a comma read as '.'
    ("情况核查，", "情况核查.", "情况核查，"),           # ... at the end of a wrapped line
    ("验收较晚.以后", "验收较晚.以后", "验收较晚.以后"),  # a printed '.' is a round dot: kept
    ("完成。下一步", "完成.下一步", "完成.下一步"),      # a full stop's ring is no comma either
    ("共2.5万", "共2.5万", "共2.5万"),                  # a decimal point is between digits
])
def test_comma_read_as_a_point(font, size, printed, read, expected):
    assert restore_comma(read, line_mask(printed, font, size)) == expected


@pytest.mark.parametrize("font", ALL_FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("size", [20, 28, 40])
@pytest.mark.parametrize("printed, read, expected", [
    ("金额*0.96", "金额~0.96", "金额*0.96"),       # a blurred asterisk read as a tilde
    ("每周7天*24小时", "每周7天~24小时", "每周7天*24小时"),
    ("3~5个", "3~5个", "3~5个"),                   # a tilde sits at the line's middle: kept
    ("“双公示”24", "~双公示”24", "~双公示”24"),     # two raised marks: nothing is changed
    ("审定金额", "审定金额", "审定金额"),
])
def test_asterisk_read_as_a_tilde(font, size, printed, read, expected):
    from pipeline.glyphs import restore_asterisk
    assert restore_asterisk(read, blurred_line_mask(printed, font, size)) == expected


# From a 200-dpi scan: ≧ with its two bars blurred into one band, and ≥ with its one bar
BARS_BLURRED_SHUT = """
.##......... .#####...... ..#####..... ...#####.... .....######. .......####. .......####. .....#####..
..#######... .######..... ####........ ###......... ##########.. ###########. ###########. .##########.
.##########. ############ ###########. .#########..
"""
ONE_BAR = """
.#.......... #####....... #######..... .#######.... ...#######.. .....####### ......###### .....#######
..########.. .#######.... ######...... ####........ ####........ ###########. ############ .##########.
"""


def test_two_bars_blurred_into_one_band_twice_a_bar_high():
    assert comparator_of(glyph_from_rows(BARS_BLURRED_SHUT), line_height=20) == ">=="
    assert comparator_of(glyph_from_rows(ONE_BAR), line_height=21) == ">="


@pytest.mark.parametrize("font", ALL_FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read", [
    ("、系统补丁等", "系统补丁等"),       # a mark wrapped to the line's start, dropped by the recogniser
    ("、供电、经营", "供电、经营"),
    ("，保障项目", "保障项目"), ("。因此一定", "因此一定"), ("，2021年自助", "2021年自助"),
    ("1.保障", "1.保障"), ("2021年", "2021年"),
    ("心理咨询", "心理咨询"),             # a character whose first stroke is a dot stays as read
    ("小组会议", "小组会议"), ("火灾隐患", "火灾隐患"), ("必须完成", "必须完成"), ("以及相关", "以及相关"),
    ("外包服务", "外包服务"), ("少量", "少量"), ("六个", "六个"), ("卜算", "卜算"), ("江河", "江河"),
    ("冰雪", "冰雪"), ("习惯", "习惯"), ("为民", "为民"), ("斗争", "斗争"), ("州市", "州市"), ("头部", "头部"),
])
def test_a_mark_wrapped_to_the_line_start(font, printed, read):
    from pipeline.glyphs import restore_leading_mark
    for mask in (line_mask(printed, font), blurred_line_mask(printed, font)):
        assert restore_leading_mark(read, mask) == printed


@pytest.mark.parametrize("font", ALL_FONTS, ids=lambda p: p.stem)
def test_a_wrapped_mark_broken_by_a_hair_is_one_mark(font):
    """Faint print breaks a '、' into two pieces a column apart; the gap before the next glyph is an em."""
    from pipeline.glyphs import _column_spans, restore_leading_mark
    mask = blurred_line_mask("、水资源", font).copy()
    x0, x1 = _column_spans(mask)[0]
    mask[:, (x0 + x1) // 2] = False
    assert restore_leading_mark("水资源", mask) == "、水资源"


def heavy_bare_chevron_then(digit_scale: float) -> np.ndarray:
    """A one-piece '>' whose lower arm printed twice as thick as its upper, no bar, then a digit."""
    import cv2

    mask = np.zeros((40, 80), np.uint8)
    cv2.line(mask, (1, 25), (12, 31), 1, 1)
    cv2.line(mask, (12, 31), (1, 37), 1, 2)
    cv2.putText(mask, "9", (30, 38), cv2.FONT_HERSHEY_SIMPLEX, digit_scale, 1, 2)
    return mask.astype(bool)


def test_a_heavy_bare_chevron_short_beside_its_number_has_no_bar():
    """A bare '>' printed heavy below (1.34 times the ink of its upper half, typical seed 21) stands
    0.59 of the digit after it; a chevron with its bar fused below stands 0.77 of it or more."""
    from pipeline.glyphs import _bottom_heaviness, first_glyph
    mask = heavy_bare_chevron_then(digit_scale=1.3)
    assert _bottom_heaviness(first_glyph(mask)) >= 1.3
    assert restore_comparator(">9", mask) == ">9"


def test_a_number_run_into_the_character_after_it_is_measured_by_its_first_digit():
    """'≥50份': the digits touch 份, which stands taller; the chevron is weighed against the 5."""
    from pipeline.glyphs import _lead_height
    run = np.zeros((20, 45), bool)
    run[3:18, 0:9] = True                   # the 5, 15 high
    run[3:18, 10:19] = True                 # the 0
    run[0:20, 18:45] = True                 # 份, 20 high, touching the 0
    assert _lead_height(run) == 15
    assert _lead_height(run[3:18, 0:9]) == 15


# glyphs from typical seed 42 at 200 dpi (rows as the line's glyph shapes show them)
THICKENED_BELOW = """
..####....... ....#####.... .....#######. .......#####. ........##### .......#####. ....########.
..##########. .##########.. .#########... ########..... ######.......
"""                                         # ⩾ whose bar thickened its lower half: 1.65 times heavier below
FUSED_LIGHTLY = """
.####........ .######...... ...#######... .....#######. .......###### .......###### ......#######
....######### ..##########. .##########.. #########.... #######...... #####........ .#...........
"""                                         # ⩾ only 1.19 times heavier below, 0.88 of the digit after it
LEFT_FUSED = """
........#### ......###### ....######.. .#######.... ######...... #####....... ######...... ########....
##########.. .########### ...######### .....####### .......##### .........###
"""                                         # ⩽ before 财政下达预算, 0.70 of the character's height
BAR_LIFTED = """
###............... .####............. ..#####........... ....######........ ......######......
........######.... ..........######.. ............#####. .............####. ............######
...........##..... ........###....... ......####........ ....####.......... ..###............. .##...............
#.................
"""                                         # ≥58台 whose bar went with a seal's lifting (typical seed 21)


def line_of(glyph: np.ndarray, *followers: tuple[int, int], height: int | None = None) -> np.ndarray:
    """A line mask: ``glyph`` bottom-aligned, then solid blocks (height, width) standing for the
    characters after it, a few columns apart."""
    height = height or max([glyph.shape[0], *(h for h, _ in followers)])
    width = glyph.shape[1] + sum(w + 3 for _, w in followers)
    line = np.zeros((height, width), bool)
    line[height - glyph.shape[0]:, :glyph.shape[1]] = glyph
    x = glyph.shape[1] + 3
    for h, w in followers:
        line[height - h:, x:x + w] = True
        x += w + 3
    return line


def test_a_chevron_whose_bar_thickened_its_lower_half_is_told_by_its_upper_arm():
    glyph = glyph_from_rows(THICKENED_BELOW)
    assert comparator_of(glyph, line_height=20, next_height=15) == ">="
    assert restore_comparator(">4台", line_of(glyph, (15, 8), (20, 20))) == "≥4台"


def test_a_lightly_fused_chevron_as_tall_as_its_number_has_its_bar():
    assert comparator_of(glyph_from_rows(FUSED_LIGHTLY), line_height=16, next_height=16) == ">="
    assert comparator_of(glyph_from_rows(FUSED_LIGHTLY), line_height=16, next_height=24) == ">"


def test_a_chevron_before_a_chinese_character_is_weighed_as_before_a_digit():
    """A Chinese character stands taller than a digit: 0.70 of it is a barred chevron's height."""
    glyph = glyph_from_rows(LEFT_FUSED)
    assert restore_comparator("<财政", line_of(glyph, (20, 20), (20, 20))) == "≤财政"
    assert restore_comparator("<12", line_of(glyph, (20, 10), (20, 10))) == "<12"


def test_a_comparator_read_first_is_not_matched_to_a_chevron_further_on():
    """'≤295' whose ≤ ran into the 2: a glyph further on that looks like a chevron (a 9 blurred)
    is not the comparator read first."""
    run_together = np.ones((16, 20), bool)
    line = line_of(run_together)
    chevron = glyph_from_rows(FUSED_LIGHTLY)
    assert comparator_of(chevron, line_height=16) == ">"
    line = np.hstack([line, np.zeros((16, 3), bool), np.vstack([np.zeros((2, 13), bool), chevron])])
    assert restore_comparator("≤29", line) == "≤29"


def test_a_bare_chevron_as_tall_as_a_barred_one_cannot_vouch_for_a_bare_comparator():
    import cv2

    from pipeline.glyphs import comparator_doubtful
    glyph = glyph_from_rows(BAR_LIFTED)
    assert comparator_of(glyph, line_height=23, next_height=16) == ">"
    assert comparator_doubtful(">58台", line_of(glyph, (16, 9), (16, 9), (23, 22)))
    short = cv2.resize(glyph.astype(np.float32), (11, 10), interpolation=cv2.INTER_AREA) > 0.2
    assert comparator_of(short, line_height=16, next_height=16) == ">"      # 0.63 of the digit after it
    assert not comparator_doubtful(">58", line_of(short, (16, 9), (16, 9)))


TWO_ON_A_SEAL_STROKE = """
...#####.... .#########.. .#########.. .###...####. ........###. ........###. ........###. .......####.
.......####. ......####.. .....####... .....####... ....####.... ...####..... ..####...... .####.......
###########. ############ ############ ......####..
"""                                         # a '2' over a seal's stroke (typical seed 42 001_02)


def test_a_two_whose_base_looks_like_a_bar_is_no_chevron():
    """Its base cut off as a bar, a 2 is a chevron-like hook; its arc spans the width under its top."""
    glyph = glyph_from_rows(TWO_ON_A_SEAL_STROKE)
    assert comparator_of(glyph, line_height=24, next_height=24) is None
    assert restore_comparator("2小时", line_of(glyph, (24, 24), (24, 24))) == "2小时"


BARS_FUSED_SHUT = """
.##.............. ######........... #########........ ..##########..... ......#########.. ........#########
..........####### .........######## .....###########. ..###########.... ##########....... #######..........
########......... ################# ################# .###############. ################# #################
.###############.
"""                                         # ≧90% at 200 dpi (typical seed 42 000_00): chevron and bars one piece


def test_two_bars_fused_shut_to_their_chevron_are_told_by_their_height_against_its_strokes():
    """The band is 1.7 times the chevron's strokes (≥'s one bar at most 1.5, at 150 dpi)."""
    assert comparator_of(glyph_from_rows(BARS_FUSED_SHUT), line_height=19, next_height=16) == ">=="
    assert comparator_of(glyph_from_rows(THICKENED_BELOW), line_height=20, next_height=15) == ">="
