"""A doubtful target or actual read as its sure twin: the readings seen on typical scans, and every
truth row's own pair, which must never be made one where the form prints two."""
from __future__ import annotations

import json

import pytest

from pipeline.paths import shared_dir
from pipeline.record import FieldSource, Indicator
from pipeline.twins import TWIN_GUESSED, read_from_twin, twin_reading

TRUTH_ROWS = [row for path in sorted((shared_dir() / "truth").glob("*.json"))
              for form in json.loads(path.read_text(encoding="utf-8"))["forms"] for row in form["indicators"]]


@pytest.mark.parametrize("doubtful, twin, printed", [
    ("有所提", "有所提升", "有所提升"),          # a character lost under a seal (typical seed 7 002_09 #0)
    ("满意法", "满意", "满意"),                  # one too many (seed 13 001_03 #1)
    ("II有效保鲁7r", "有效保障", "有效保障"),    # seal letters in the line (seed 13 002_06 #1)
    ("有效灵山7", "有效提升", "有效提升"),        # seed 21 003_13 #3
    ("10Uo", "100%", "100%"),                    # seed 21 003_13 #0
    ("-33", "33", "33"),                         # a stroke before the number (seed 42 001_02 #4)
    ("≤305分钟", "≤30分钟", "≤30分钟"),          # a seal's stroke read as a digit (seed 42 002_09 #2)
    ("10%", "100%", "100%"),                     # a digit lost under it
    (">58台", "≥58台", "≥58台"),                  # a bar lost with a seal's lifting (seed 21 002_08 #3)
    ("9O%", "≥90%", "90%"),                      # the reading keeps its own comparator, or none
])
def test_a_doubtful_reading_close_to_its_twin_is_the_twin(doubtful, twin, printed):
    assert twin_reading(doubtful, twin) == printed


@pytest.mark.parametrize("doubtful, twin", [
    ("提升", "有所提升"),              # two characters short: another word
    ("古做", "有效"),                  # nothing in common
    (">95%", "98%"),                   # well-formed measures: a target and its actual differ so
    ("2021年9月", "2021年12月前"),
    ("91%", "≥90%"),
    ("98%;100%;1版", "≥98%;≥98%;≥1版"),   # lists differ part by part
    ("1420M)00>0", "1499180"),         # junk, but too far from the twin
    ("收", "0次"),
    ("T2021年9月的", "2021年7月"),      # junk, but its digits are not the twin's
    ("无", "深无"),                    # a value in itself (the twin a seal spoilt)
    ("年", "≥1年"),                    # a unit alone: a target with a comparator is often exceeded
    ("有效", "有效"),                  # already the same
    ("1-3个", "3个"),                  # a range's dash is no junk
])
def test_a_doubtful_reading_far_from_its_twin_is_left_as_read(doubtful, twin):
    assert twin_reading(doubtful, twin) is None


def test_no_truth_row_that_prints_two_values_is_made_one():
    """Every truth row whose target and actual differ, each read as itself: the rule finds them
    too far apart, or the row's reading holds junk no form prints. A few word pairs stay close
    ('满足' and '满意'): only a doubtful reading of such a row would be taken for its twin."""
    close = [(row["target"], row["actual"]) for row in TRUTH_ROWS
             if row.get("target") and row.get("actual") and row["target"] != row["actual"]
             and (twin_reading(row["actual"], row["target"]) or twin_reading(row["target"], row["actual"]))]
    assert len(close) <= 5, close
    assert all(not any(char.isdigit() for char in target + actual) for target, actual in close)


def _read_at(**confidences: float) -> dict[str, FieldSource]:
    return {f"indicators[2].{name}": FieldSource(page=1, bbox=[0, 0, 10, 10], confidence=confidence)
            for name, confidence in confidences.items()}


def _row(target: str, actual: str) -> Indicator:
    return Indicator(level1="效益指标", level2="社会效益指标", name="提升效率", target=target, actual=actual)


def test_the_twin_must_be_read_surely_and_the_guess_stays_in_review():
    row = _row("有效提升", "有效灵山7")
    unreadable = {"indicators[2].actual": "置信度 0.17"}
    read_from_twin(row, "indicators[2]", _read_at(target=0.95, actual=0.17), unreadable)
    assert row.actual == "有效提升"
    assert unreadable == {"indicators[2].actual": f"{TWIN_GUESSED}：有效灵山7"}

    for sources, flagged in ((_read_at(target=0.8), {}),
                             (_read_at(target=0.99), {"indicators[2].target": "置信度 0.5"}),
                             ({}, {})):                      # the twin never read
        row = _row("有效提升", "有效灵山7")
        unreadable = {"indicators[2].actual": "置信度 0.17", **flagged}
        read_from_twin(row, "indicators[2]", sources, unreadable)
        assert row.actual == "有效灵山7"

    sure = _row("有效提升", "有效提升")
    read_from_twin(sure, "indicators[2]", _read_at(target=1.0), {})
    assert sure.actual == "有效提升"
