"""The weight repair against the 61 truth forms, each weight misread by a point or a zero in turn."""
from __future__ import annotations

import json

import pytest

from pipeline.paths import shared_dir
from pipeline.record import Form
from pipeline.repair import repair_weights

TRUTH_FORMS = [Form.model_validate(form)
               for path in sorted((shared_dir() / "truth").glob("*.json"))
               for form in json.loads(path.read_text(encoding="utf-8"))["forms"]]
pytestmark = pytest.mark.skipif(not TRUTH_FORMS, reason="shared truth not mounted")


def test_forms_that_add_up_are_left_alone():
    for form in TRUTH_FORMS:
        copy = form.model_copy(deep=True)
        assert repair_weights(copy, set()) == [] or form.validation.status != "valid"
        if form.validation.status == "valid":
            assert copy == form


@pytest.mark.parametrize("misread", [lambda w: w / 10, lambda w: w * 10, lambda w: w * 100],
                         ids=["point", "zero", "two zeros"])
def test_a_misscaled_weight_is_put_back_or_left_for_review(misread):
    """Never a third value: the repair restores the printed weight, or changes nothing."""
    restored = 0
    for form in TRUTH_FORMS:
        if form.validation.status != "valid":
            continue
        for index, row in enumerate(form.indicators):
            if not row.weight:
                continue
            broken = form.model_copy(deep=True)
            broken.indicators[index].weight = misread(row.weight)
            issues = repair_weights(broken, set())
            assert broken.indicators[index].weight in (row.weight, misread(row.weight))
            assert all(other.weight == orig.weight for k, (other, orig)
                       in enumerate(zip(broken.indicators, form.indicators)) if k != index)
            if issues:
                assert broken.indicators[index].weight == row.weight
                assert [issue.path for issue in issues] == [f"indicators[{index}].weight"]
                restored += 1
    assert restored > 100


def test_an_unreadable_weight_stops_the_repair():
    form = next(f for f in TRUTH_FORMS if f.validation.status == "valid" and f.level1_weights
                and any(row.weight == 15 for row in f.indicators))
    index = next(i for i, row in enumerate(form.indicators) if row.weight == 15)
    form = form.model_copy(deep=True)
    form.indicators[index].weight = 1.5
    assert repair_weights(form.model_copy(deep=True), {"indicators[0].weight": "置信度 0.41"}) == []
    assert len(repair_weights(form, set())) == 1 and form.indicators[index].weight == 15
