"""Weights and scores put right, or worked out, from the sums they enter.

Weights read off by a factor of ten are put right by the two sums every weight enters.

A scan's seal or dust adds a point or a zero to a weight (15 read as 1.5, 20 as
200, 5 as 500) and the recogniser is sure of it. Every weight is summed twice:
into its level-1 group's points (产出指标 50分) and into the 总分 row. When both
sums miss by the same amount, and exactly one weight of the group, multiplied
by 10, 1/10 or 1/100, makes both hold, that weight was misread and takes the
value the sums call for. A form that prints no level-1 points has the 总分 row
alone: there the one weight must be the only one of the whole form that fits.
The repair is reported as a warning on the form.

A weight or score the recogniser could not read at all (a seal's letter over a
digit, a digit thinned by the seal's ring) is the one unknown of the sums it
enters when every other cell of them holds a number: the 总分 row, and for a
weight its level-1 points too, which must agree. A reading that holds no number
as printed ('.0' for a 20 under a seal's letter) counts as lost, its guess
dropped, unless another cell was read as nothing: then the guess stands in the
sum ('10)' → 10). The cell gets the value the sums call for, and the form stays
invalid with an ``inferred_from_sums`` error, so a person confirms it: the value
was worked out, not read.

A 0 goes into a lost cell only where the row says 0 (the score of a row weighted
0, the weight of a row scored 0): a blank or a dash leaves the sums as a 0 does.
A total is never made up from its parts alone (a form may print no total score,
and seal remains in the empty cell read as a lost number); the 总分 weight is
filled in only as the 100 every form prints, and where it is lost beside one lost
weight, it is taken as that 100 so the sums tell the weight. Where no cell is lost, one doubtful
reading that the sums confirm loses its doubt; one they contradict takes the whole
number they call for (15 read as 14 under a pen stroke), flagged like a lost cell.
The 总分 score read as a number the parts contradict takes their sum where it is
the weakest reading of the sum or more than the 100 no total exceeds, every part read
without doubt (or a doubtful 0 in a row surely weighted 0: no score exceeds its weight),
and the sum is one character from the reading ('99.3' for 99.5, '93.6' for 93.61): the printed
total is the exact sum of its parts on 59 of the 60 truth forms that print one.

A seal's letter or ring beside a number is read as one more digit at its start
or end ('3100' for the 总分 score 100, '36' for 6, '2.009' for 2). Where the 总分
sum misses and exactly one cell of it, that digit dropped, makes it hold (a
weight also with its level-1 points; a score only where it was read as more
than its weight; a total only where its reading is more than any cell holds),
the cell takes that value, and the form stays invalid with a
``stray_digit_dropped`` error for a person to confirm.

Where two or more cells of a sum are in doubt, the sums alone cannot tell them; the rows
can: a row scores its full weight on 756 of the 799 truth rows. A doubtful weight takes
its row's score (or a doubtful score its weight) where exactly one set of such guesses
makes the sums hold, flagged ``inferred_from_sums`` like any value worked out.

Only forms read by OCR are repaired: a text layer reads what was printed, and a
printed form that does not add up is reported as it is.
"""
from __future__ import annotations

from itertools import combinations

from pipeline.mapping import UNPARSED_NUMBER
from pipeline.text import edit_distance
from pipeline.record import Form, Issue
from pipeline.validate import SCORE_SUM_TOLERANCE, form_sum_inputs

SCALES = (10.0, 0.1, 0.01)
EPSILON = 1e-6
FUNDS_ROWS = ("appropriation", "carryover", "other", "total")     # the parts, then their 合计
FUNDS_AMOUNTS = ("initial_budget", "annual_budget", "executed")
FULL_MARKS = 100.0           # the 总分 row's weight on every form; no cell holds more
MAX_MIRRORED = 8             # doubtful cells of a column weighed together at most (2^8 choices)


def repair_weights(form: Form, unreadable: set[str] | dict[str, str]) -> list[Issue]:
    """Fix misscaled indicator weights in place; one warning per weight fixed."""
    inputs = ["total.weight", *form_sum_inputs(form, "weight")]
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


def drop_stray_digits(form: Form, unreadable: dict[str, str]) -> list[Issue]:
    """Weights and scores read with one digit too many, put right by their 总分 sum; one error each."""
    issues = []
    for column, tolerance in (("weight", EPSILON), ("score", SCORE_SUM_TOLERANCE)):
        found = _stray_digit_fix(form, unreadable, column, tolerance)
        if found:
            path, read, value = found
            _set_points(form, path, value)
            unreadable.pop(path, None)
            issues.append(Issue(rule="stray_digit_dropped", severity="error", path=path,
                                message=f"{path} 读作 {read:g}，去掉多出的一位数字后与合计相符，按 {value:g}，待核对"))
    return issues


def _stray_digit_fix(form: Form, unreadable: dict[str, str], column: str,
                     tolerance: float) -> tuple[str, float, float] | None:
    cells = _sum_cells(form, column)
    if any(_lost(path, value, unreadable) for path, value in cells.items()):
        return None                      # a lost cell is the unknown there (infer_unreadable_points)
    total_path = f"total.{column}"
    if cells[total_path] is None:
        return None
    gap = cells[total_path] - _from_total(cells, total_path)      # the printed total less its parts
    if abs(gap) <= tolerance:
        return None
    fixes = []
    for path, read in cells.items():
        if read is None or path not in form.provenance.fields:
            continue
        for value in _without_one_digit(read):
            left = gap - read + value if path == total_path else gap + read - value
            if abs(left) <= tolerance and _stray_fix_plausible(form, unreadable, path, column, read, value):
                fixes.append((path, read, value))
    return fixes[0] if len(fixes) == 1 else None


def _without_one_digit(read: float) -> list[float]:
    """The reading with its first or its last digit dropped, where a number is left."""
    text = f"{read:g}"
    if "e" in text or len(text) < 2:
        return []
    values = []
    for candidate in (text[1:], text[:-1].rstrip(".")):
        if candidate and candidate[0] != "." and candidate.replace(".", "", 1).isdigit():
            value = float(candidate)
            if value != read and value not in values:
                values.append(value)
    return values


def _stray_fix_plausible(form: Form, unreadable: dict[str, str], path: str, column: str,
                         read: float, value: float) -> bool:
    if path.startswith("total."):
        return read > FULL_MARKS + EPSILON and _plausible(form, path, column, value)
    if column == "weight":
        return _group_agrees(form, unreadable, path, value) and _plausible(form, path, column, value)
    # a score has one sum only: its reading must also break the row, scoring more than its weight
    weight = form.indicators[_row_index(path)].weight if path.startswith("indicators[") else None
    return weight is not None and read > weight + EPSILON and _plausible(form, path, column, value)


def infer_unreadable_points(form: Form, unreadable: dict[str, str]) -> list[Issue]:
    """Weights and scores the sums determine, each the one unreadable cell of its 总分 sum, and
    the funds amounts, each the one unreadable cell of its column's sum (合计 = 财政拨款 + 上年结转
    + 其他资金, on all 183 truth columns).

    Resolved paths leave ``unreadable``; a value worked out for a cell read as
    nothing comes with an error issue, so the form still goes to review.
    """
    issues: list[Issue] = []
    filled_by_sum: set[str] = set()
    for _ in range(2):      # a score confirmed or filled in can tell a weight, and the other way round
        issues += _scores_of_unweighted_rows(form, unreadable)
        for column, tolerance in (("weight", EPSILON), ("score", SCORE_SUM_TOLERANCE)):
            if column in filled_by_sum:
                continue    # its sum holds by construction now: it can confirm nothing more
            found = _infer_column(form, unreadable, column, tolerance) or _mirrored(form, unreadable, column)
            if found:
                filled_by_sum.add(column)
            issues += found
    return issues + _total_score_from_read_parts(form, unreadable) + _funds_amounts_from_sums(form, unreadable)


def _funds_amounts_from_sums(form: Form, unreadable: dict[str, str]) -> list[Issue]:
    issues = []
    for column in FUNDS_AMOUNTS:
        cells = {f"funds.{row}.{column}": getattr(getattr(form.funds, row), column) for row in FUNDS_ROWS}
        doubtful = [path for path in cells if path in unreadable]
        if len(doubtful) != 1:
            continue
        lost = doubtful[0]
        if lost not in form.provenance.fields or any(value is None for path, value in cells.items()
                                                     if path != lost) or cells[lost] is not None:
            continue
        value = round(_from_total(cells, lost), 2)
        if value >= 0:
            issues.append(_fill(form, unreadable, lost, value))
    return issues


def _total_score_from_read_parts(form: Form, unreadable: dict[str, str]) -> list[Issue]:
    read, parts = form.total.score, form_sum_inputs(form, "score")
    if read is None or "total.score" not in form.provenance.fields \
            or any(p in unreadable and not _zero_by_its_weight(form, unreadable, p) for p in parts):
        return []
    cells = _sum_cells(form, "score")
    value = round(_from_total(cells, "total.score"), 2)
    if abs(value - read) < EPSILON or not 0 <= value <= FULL_MARKS:
        return []
    sure_parts = [p for p in parts if p not in unreadable]
    impossible = read > FULL_MARKS + EPSILON
    if edit_distance(f"{value:g}", f"{read:g}") > 1 or not (
            impossible or _weakest_reading(form, unreadable, "total.score", sure_parts)):
        return []
    unreadable.setdefault("total.score", f"读作 {read:g}")
    return [_fill(form, unreadable, "total.score", value)]


def _zero_by_its_weight(form: Form, unreadable: dict[str, str], path: str) -> bool:
    """A doubtful score taken as 0 in a row read without doubt as weighted 0: no score exceeds its
    weight, so the sum knows it."""
    if not (path.startswith("indicators[") and path.endswith(".score")):
        return False
    index = _row_index(path)
    return _surely_unweighted(form, unreadable, index) and form.indicators[index].score == 0


def _surely_unweighted(form: Form, unreadable: dict[str, str], index: int) -> bool:
    return form.indicators[index].weight == 0 and f"indicators[{index}].weight" not in unreadable


def _weakest_reading(form: Form, unreadable: dict[str, str], path: str, others: list[str]) -> bool:
    """``path`` was read with less confidence than any of ``others`` (or with too little to stand)."""
    fields = form.provenance.fields
    least = min((fields[p].confidence for p in others if p in fields), default=1.0)
    return path in unreadable or fields[path].confidence < least


def _scores_of_unweighted_rows(form: Form, unreadable: dict[str, str]) -> list[Issue]:
    """A lost or doubtful score in a row read as weighted 0 can only be 0: a score never exceeds
    its weight (on the truth forms such a row scores 0 in 124 of 125). A doubtful 6 there was a
    seal's letter over the 0."""
    issues = []
    for index, row in enumerate(form.indicators):
        path = f"indicators[{index}].score"
        if (_surely_unweighted(form, unreadable, index) and path in unreadable and row.score != 0
                and path in form.provenance.fields):
            issues.append(_fill(form, unreadable, path, 0.0))
    return issues


def _lost(path: str, value: float | None, unreadable: dict[str, str]) -> bool:
    """Unreadable, and read as nothing or as no number as printed."""
    return path in unreadable and (value is None or unreadable[path].startswith(UNPARSED_NUMBER))


def _infer_column(form: Form, unreadable: dict[str, str], column: str, tolerance: float) -> list[Issue]:
    cells = _sum_cells(form, column)
    doubtful = [path for path in cells if path in unreadable]
    # Cells read as nothing first; only where there are none, a guess from a garbled reading
    # ('.0' for 20) is the unknown. Otherwise such guesses ('10)' → 10) stand in the sum.
    missing = ([path for path in doubtful if cells[path] is None]
               or [path for path in doubtful if _lost(path, cells[path], unreadable)])
    if column == "weight" and len(missing) == 2 and "total.weight" in missing \
            and "total.weight" in form.provenance.fields:
        # the 总分 weight is the 100 every form prints; with it the other lost weight is known
        return [_fill(form, unreadable, "total.weight", FULL_MARKS)] + _infer_column(form, unreadable,
                                                                                   column, tolerance)
    if len(missing) > 1 or (not missing and len(doubtful) != 1):
        return []
    path = missing[0] if missing else doubtful[0]
    if path not in form.provenance.fields:
        return []                        # no cell was read there (a 总分 row not found): nothing to fill
    value = _from_total(cells, path)
    if value is None or (column == "weight" and not _group_agrees(form, unreadable, path, value)):
        return []
    value = round(value, 2)
    if not _plausible(form, path, column, value):
        return []
    if not missing:
        if abs(cells[path] - value) <= tolerance:
            del unreadable[path]         # the one doubtful reading, and the sums confirm it
            return []
        if abs(value - round(value)) > EPSILON:
            return []                    # a rounded total tells a part only to its rounding
    if (abs(value) < EPSILON and not _scored_zero(form, unreadable, path)) or not _fillable(path, value):
        return []
    return [_fill(form, unreadable, path, value)]


def _mirrored(form: Form, unreadable: dict[str, str], column: str) -> list[Issue]:
    """Doubtful weights (or scores) that take their row's other cell, where the sums then hold.

    A row scores its full weight on 756 of the 799 truth rows that print both, so
    a doubtful weight beside its row's score (or the other way round) most likely
    is that score. Every set of such guesses is tried; they stand only where
    exactly one set makes the 总分 sum hold (and, for weights, every level-1
    group's points): a row scored below its weight leaves the sums off. A weight
    sum may hold against the 100 every form prints where the 总分 weight was lost;
    a score sum against a total score one character from it and read weakest,
    which the total's own repair then puts right.
    """
    guesses = _mirror_guesses(form, unreadable, column)
    cells = _sum_cells(form, column)
    # a 0 for a cell read as nothing leaves the sums as they are: it goes with whatever they choose
    moving = [p for p in guesses if abs((cells[p] or 0.0) - guesses[p]) >= EPSILON]
    if not guesses or len(moving) > MAX_MIRRORED:
        return []
    holding = [chosen for size in range(len(moving) + 1) for chosen in combinations(moving, size)
               if _sums_hold(form, unreadable, column, cells | {p: guesses[p] for p in chosen})]
    if len(holding) != 1:
        return []                       # none, or a choice the sums cannot make
    chosen = [p for p in guesses if p in holding[0] or p not in moving]
    for path in chosen:
        if path not in unreadable:      # a score read above its weight, without doubt
            unreadable[path] = f"读作 {cells[path]:g}"
    issues = [_fill(form, unreadable, path, guesses[path]) for path in chosen]
    total = f"total.{column}"
    if column == "weight" and cells[total] is None and total in unreadable and total in form.provenance.fields:
        issues.append(_fill(form, unreadable, total, FULL_MARKS))
    return issues


def _mirror_guesses(form: Form, unreadable: dict[str, str], column: str) -> dict[str, float]:
    """Each indicator cell of ``column`` in doubt, with its row's other cell read as a number:
    path → that number. In doubt: unreadable, or the weaker of a score above its weight. The other
    cell may be in doubt too ('6.00一' beside a weight read 'i.0'): the sums still decide."""
    other = "score" if column == "weight" else "weight"
    fields = form.provenance.fields
    guesses = {}
    for index, row in enumerate(form.indicators):
        path, other_path = f"indicators[{index}].{column}", f"indicators[{index}].{other}"
        mine, theirs = getattr(row, column), getattr(row, other)
        if theirs is None or path not in fields or other_path not in fields:
            continue
        if mine is not None and abs(mine - theirs) < EPSILON:
            continue
        over = mine is not None and (mine > theirs if column == "score" else mine < theirs)
        if path in unreadable or (over and fields[path].confidence < fields[other_path].confidence):
            guesses[path] = theirs
    return guesses


def _sums_hold(form: Form, unreadable: dict[str, str], column: str, cells: dict[str, float | None]) -> bool:
    *parts, total_path = cells
    read_total = cells[total_path]
    parts_sum = sum(cells[p] or 0.0 for p in parts)
    if column == "weight":
        lost_total = read_total is None and total_path in unreadable
        total = FULL_MARKS if lost_total else read_total
        return total is not None and abs(parts_sum - total) < EPSILON and _groups_hold(form, unreadable, cells)
    if read_total is None:
        return False
    return abs(parts_sum - read_total) <= SCORE_SUM_TOLERANCE or _total_one_character_off(
        form, unreadable, parts_sum, read_total, [p for p in parts if p not in unreadable])


def _total_one_character_off(form: Form, unreadable: dict[str, str], parts_sum: float, read_total: float,
                             sure_parts: list[str]) -> bool:
    """The 总分 score read one character from its parts' sum, and read weakest: a misread total."""
    return ("total.score" in form.provenance.fields and parts_sum <= FULL_MARKS + EPSILON
            and edit_distance(f"{round(parts_sum, 2):g}", f"{read_total:g}") <= 1
            and _weakest_reading(form, unreadable, "total.score", sure_parts))


def _groups_hold(form: Form, unreadable: dict[str, str], cells: dict[str, float | None]) -> bool:
    """Every level-1 group's weights, as in ``cells``, add up to its points where those were read."""
    for level1, points in form.level1_weights.items():
        if points is None or f"level1_weights.{level1}" in unreadable:
            continue
        group = sum(cells[f"indicators[{i}].weight"] or 0.0 for i, row in enumerate(form.indicators)
                    if row.level1 == level1)
        if abs(group - points) >= EPSILON:
            return False
    return True


def _scored_zero(form: Form, unreadable: dict[str, str], path: str) -> bool:
    """A lost weight whose row's score was read as 0: the row is weighted 0 (a blank weight
    never comes with a score of 0 on the truth forms; 0 with 0, 124 times)."""
    if not path.startswith("indicators[") or not path.endswith(".weight"):
        return False
    index = _row_index(path)
    return form.indicators[index].score == 0 and f"indicators[{index}].score" not in unreadable


def _fill(form: Form, unreadable: dict[str, str], path: str, value: float) -> Issue:
    _set_points(form, path, value)
    reason = unreadable.pop(path)
    return Issue(rule="inferred_from_sums", severity="error", path=path,
                 message=f"{path} 无法读取（{reason}），按合计推得 {value:g}，待核对")


def _fillable(path: str, value: float) -> bool:
    """A part is fixed by the printed total; the total only by its parts, so it is filled in
    only where it comes to what every form prints there (总分 100), never as a score."""
    return not path.startswith("total.") or (path == "total.weight" and abs(value - FULL_MARKS) < EPSILON)


def _sum_cells(form: Form, column: str) -> dict[str, float | None]:
    """The cells of the 总分 sum for ``column``: its parts, then the printed total."""
    values = ([getattr(form.funds.total, column)] + [getattr(row, column) for row in form.indicators]
              + [getattr(form.total, column)])
    return dict(zip([*form_sum_inputs(form, column), f"total.{column}"], values, strict=True))


def _from_total(cells: dict[str, float | None], unknown: str) -> float | None:
    *parts, total_path = cells
    known_parts = sum(cells[p] or 0.0 for p in parts if p != unknown)
    if unknown == total_path:
        return known_parts
    total = cells[total_path]
    return None if total is None else total - known_parts


def _group_agrees(form: Form, unreadable: dict[str, str], path: str, value: float) -> bool:
    """A weight's level-1 points, where printed and read, call for the same value."""
    if not path.startswith("indicators["):
        return True
    index = _row_index(path)
    level1 = form.indicators[index].level1
    points = form.level1_weights.get(level1) if level1 is not None else None
    if points is None or f"level1_weights.{level1}" in unreadable:
        return not any(p is not None for p in form.level1_weights.values())
    others = sum(row.weight or 0.0 for i, row in enumerate(form.indicators) if row.level1 == level1 and i != index)
    return abs(points - others - value) < EPSILON


def _plausible(form: Form, path: str, column: str, value: float) -> bool:
    if not -EPSILON <= value <= FULL_MARKS:
        return False
    if not path.startswith("indicators["):
        return True
    row = form.indicators[_row_index(path)]
    if column == "score":
        return row.weight is None or value <= row.weight + EPSILON
    return row.score is None or value >= row.score - EPSILON


def _set_points(form: Form, path: str, value: float) -> None:
    owner, column = path.rsplit(".", 1)
    if owner.startswith("indicators["):
        target = form.indicators[_row_index(owner)]
    elif owner.startswith("funds."):
        target = getattr(form.funds, owner.removeprefix("funds."))
    else:
        target = form.total
    setattr(target, column, value)


def _row_index(path: str) -> int:
    """3 for 'indicators[3].weight' (or 'indicators[3]')."""
    return int(path[len("indicators["):path.index("]")])
