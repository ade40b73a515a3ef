"""Line confidence: the weakest character, with spellings of one reading pooled (PaddleOCR's CTC decoder, no model)."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.ocr.confidence import nfkc, pooled_probabilities, same_reading_groups
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
