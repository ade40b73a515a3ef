"""Weights read off by a factor of ten, put right by the two sums every weight enters.

A scan's seal or dust adds a point or a zero to a weight (15 read as 1.5, 20 as
200, 5 as 500) and the recogniser is sure of it. Every weight is summed twice:
into its level-1 group's points (产出指标 50分) and into the 总分 row. When both
sums miss by the same amount, and exactly one weight of the group, multiplied
by 10, 1/10 or 1/100, makes both hold, that weight was misread and takes the
value the sums call for. A form that prints no level-1 points has the 总分 row
alone: there the one weight must be the only one of the whole form that fits.
The repair is reported as a warning on the form.

Only forms read by OCR are repaired: a text layer reads what was printed, and a
printed form that does not add up is reported as it is.
"""
from __future__ import annotations

from pipeline.record import Form, Issue

SCALES = (10.0, 0.1, 0.01)
EPSILON = 1e-6


def repair_weights(form: Form, unreadable: set[str] | dict[str, str]) -> list[Issue]:
    """Fix misscaled indicator weights in place; one warning per weight fixed."""
    inputs = ["total.weight", "funds.total.weight"] + [f"indicators[{i}].weight" for i in range(len(form.indicators))]
    if form.total.weight is None or any(path in unreadable for path in inputs):
        return []
    weights = [row.weight for row in form.indicators]
    form_gap = form.total.weight - (form.funds.total.weight or 0.0) - sum(w or 0.0 for w in weights)
    if abs(form_gap) < EPSILON:
        return []
    groups = _groups_missing(form, weights, form_gap, unreadable)
    if len(groups) != 1:
        return []
    fixes = [(i, value) for i in groups[0] for value in _rescaled(weights[i])
             if abs(value - weights[i] - form_gap) < EPSILON]
    if len(fixes) != 1:
        return []
    index, value = fixes[0]
    form.indicators[index].weight = value
    return [_repaired(index, weights[index], value)]


def _groups_missing(form: Form, weights: list, form_gap: float, unreadable) -> list[list[int]]:
    """The indicator groups whose sum misses by the form's gap: the level-1 groups whose printed points
    say so, or every indicator where the form prints no level-1 points (then the 总分 row alone)."""
    if not any(points is not None for points in form.level1_weights.values()):
        return [] if None in weights else [list(range(len(weights)))]
    groups = []
    for level1, points in form.level1_weights.items():
        members = [i for i, row in enumerate(form.indicators) if row.level1 == level1]
        if points is None or f"level1_weights.{level1}" in unreadable or any(weights[i] is None for i in members):
            continue
        if abs(points - sum(weights[i] for i in members) - form_gap) < EPSILON:
            groups.append(members)
    return groups


def _rescaled(weight: float) -> list[float]:
    """The weight times each scale, where that is a weight as forms print them (at most one decimal)."""
    return [round(weight * scale, 6) for scale in SCALES
            if weight and abs(weight * scale * 10 - round(weight * scale * 10)) < EPSILON]


def _repaired(index: int, read: float, value: float) -> Issue:
    return Issue(rule="weight_rescaled", severity="warning", path=f"indicators[{index}].weight",
                 message=f"分值读作 {read:g}，按指标分值合计与总分改为 {value:g}")
