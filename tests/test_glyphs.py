"""The comparator glyph check, on glyphs rendered with the fonts forms are printed in (no OCR)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.glyphs import comparator_of, first_glyph, glyph_count, restore_comparator

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
    (">3", ">3", ">3"),
    ("95%", "95%", "95%"),          # nothing to restore
    ("2021年", "2021年", "2021年"),  # a 2 is no chevron
    ("7天", "7天", "7天"),
    ("1200", "1200", "1200"),
])
def test_restore_comparator(font, printed, read, expected):
    assert restore_comparator(read, line_mask(printed, font)) == expected


def test_glyph_geometry_helpers():
    font = FONTS[0]
    mask = line_mask("≥12", font)
    assert glyph_count(mask) == 3
    assert comparator_of(first_glyph(mask), mask.shape[0]) == ">="
    assert comparator_of(first_glyph(line_mask("8", font)), mask.shape[0]) is None


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
@pytest.mark.parametrize("text, slash", [("/", True), ("1", False), ("7", False)])
def test_a_fattened_slash_is_still_a_slash(font, text, slash):
    """Blur and a 150-dpi scan upsampled to 300 fatten a '/' until it fills over half its box."""
    import cv2
    from pipeline.glyphs import is_lone_slash
    fat = cv2.dilate(glyph_mask(text, font, size=30).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    assert is_lone_slash(fat, text_height=32) is slash


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("printed, read, expected", [
    ("未实施。", "未实施0", "未实施。"),     # a low small ring after CJK is a full stop
    ("易用性。", "易用性α", "易用性。"),
    ("未实施。", "未实施■", "未实施。"),     # blurred shut on a coarse scan
    ("达到100", "达到100", "达到100"),       # a full-height 0 stays a digit
    ("用户□", "用户■", "用户■"),             # a full-height box is no full stop
])
def test_trailing_full_stop(font, printed, read, expected):
    from pipeline.glyphs import restore_full_stop
    assert restore_full_stop(read, line_mask(printed, font)) == expected


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
@pytest.mark.parametrize("printed, read, expected", [("。", "0", "。"), ("0", "0", "0")])
def test_full_stop_wrapped_onto_a_line_of_its_own(font, printed, read, expected):
    from pipeline.glyphs import restore_full_stop
    text_height = line_mask("项目", font).shape[0]
    assert restore_full_stop(read, line_mask(printed, font), text_height) == expected
