"""Line confidence: the weakest character, with spellings of one reading pooled (PaddleOCR's CTC decoder, no model)."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.ocr.confidence import char_readings, nfkc, pooled_probabilities, same_reading_groups
from tests.support import ctc_decoder, ctc_preds

CHARS = ["）", ")", "1", "決", "决", "目"]


@pytest.fixture()
def decoder(tmp_path):
    simplified = {ord("決"): "决"}
    return ctc_decoder(tmp_path, CHARS, lambda char: nfkc(char).translate(simplified))


def preds_for(rows: list[dict[str, float]]) -> np.ndarray:
    """One line: per time step, the probability of some characters (the rest shared by the blank)."""
    return ctc_preds(CHARS, rows)


def test_classes_with_one_reading_are_grouped():
    groups = same_reading_groups(["blank", *CHARS], lambda c: nfkc(c).translate({ord("決"): "决"}))
    assert set(groups) == {1, 2, 4, 5}
    assert list(groups[1]) == [1, 2] and list(groups[5]) == [4, 5]


def test_hesitating_between_spellings_of_one_reading_is_no_doubt(decoder):
    [(text, confidence)] = decoder(preds_for([{"目": 0.97}, {"）": 0.52, ")": 0.46}]))
    assert text == "目）"
    assert confidence == pytest.approx(0.97, abs=1e-6)     # 0.52 + 0.46 for the paren; the 目 is weakest


def test_hesitating_between_readings_stays_doubtful(decoder):
    [(text, confidence)] = decoder(preds_for([{"目": 0.97}, {"1": 0.52, ")": 0.46}]))
    assert text == "目1"
    assert confidence == pytest.approx(0.52, abs=1e-6)


def test_pooling_only_touches_grouped_classes():
    preds = preds_for([{"决": 0.5, "決": 0.4}, {"目": 0.6}])
    index = preds.argmax(axis=2)
    pooled = pooled_probabilities(preds, index, preds.max(axis=2), {4: np.array([4, 5]), 5: np.array([4, 5])})
    assert pooled[0].tolist() == pytest.approx([0.9, 0.6])


def _steps(characters: list[str], rows: list[dict[str, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-step class distributions (the blank takes what is left), their argmax and max."""
    probs = np.zeros((len(rows), len(characters)))
    for step, row in enumerate(rows):
        for char, p in row.items():
            probs[step, characters.index(char)] = p
        probs[step, 0] = 1.0 - probs[step].sum()
    return probs, probs.argmax(axis=1), probs.max(axis=1)


def test_a_character_nearly_read_just_past_a_lines_ends_is_offered_as_hidden():
    # typical seed-7 001_02: '满足智|慧会议' wrapped, 智 at 0.46 against the blank's 0.54 after 足
    characters = ["", "满", "足", "智", "乙", "丙"]
    rows = [{"丙": 0.2}, {}, {}, {"满": 0.99}, {}, {}, {"足": 0.99}, {}, {}, {"智": 0.46}, {"智": 0.03},
            {}, {}, {}, {"乙": 0.3}]
    step_probs, indices, probs = _steps(characters, rows)
    kept = indices != 0
    readings = char_readings(step_probs, indices, probs, kept, characters, lambda c: c)
    assert [(r.char, r.alternatives[:1]) for r in readings] == [
        ("", (("丙", pytest.approx(0.2)),)), ("满", ()), ("足", ()), ("", (("智", pytest.approx(0.46)),))]


def test_a_digit_held_over_three_steps_or_more_is_two_and_doubtful(decoder):
    # typical seed-42 000_00: '111个社区' read '11个': the first two 1s held one class over four steps
    [(text, confidence)] = decoder(preds_for([{"1": 0.91}, {"1": 0.99}, {"1": 0.99}, {"1": 0.59}, {}, {"1": 0.99}]))
    assert text == "111"
    assert confidence == pytest.approx(0.5)
    [(text, confidence)] = decoder(preds_for([{"1": 0.91}, {"1": 0.99}, {}, {"目": 0.97}, {"目": 0.97}, {"目": 0.97}]))
    assert (text, confidence) == ("1目", pytest.approx(0.91))   # two steps are one digit; a character is no digit
    [(text, _)] = decoder(preds_for([{"1": 0.99}, {"1": 0.8}, {"1": 0.56}, {"目": 0.97}]))
    assert text == "1目"                                         # held unsurely: seal ink read as a digit


def test_a_doubtful_character_right_after_another_may_be_its_tail():
    # typical seed-42 001_01: '教育城域网' read 城域城网, 城 at 0.46 against the blank's 0.27 and 域's 0.26
    characters = ["", "城", "域", "网", "九"]
    rows = [{"城": 0.99}, {}, {"域": 0.79, "城": 0.21}, {"城": 0.46, "域": 0.26}, {}, {"网": 0.99}]
    step_probs, indices, probs = _steps(characters, rows)
    readings = char_readings(step_probs, indices, probs, indices != 0, characters, lambda c: c)
    assert [r.char for r in readings] == ["城", "域", "城", "网"]
    assert ("", pytest.approx(0.54)) in readings[2].alternatives
    rows[3] = {"九": 0.7, "域": 0.05}                               # the two weigh less: no tail
    step_probs, indices, probs = _steps(characters, rows)
    readings = char_readings(step_probs, indices, probs, indices != 0, characters, lambda c: c)
    assert all(char for char, _ in readings[2].alternatives)
