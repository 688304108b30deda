"""The programme's pre/post shift: estimate, cluster-bootstrap interval, determinism, edge cases."""

import math
import random
from functools import cache

import pytest

from classroom.programmes.shift import (
    GroupShift,
    MeanShift,
    Shift,
    measure_shift,
    option_groups,
    scale_groups,
    t_quantile,
)

AGREE = 2  # index of the agree group (points 4-5) in scale_groups(5)
PROGRAMMES = 100
FAST_REPLICATES = 400


def answers(rng: random.Random, students: int, agree: float) -> list[int]:
    """5-point counts: agree side (4 or 5) with probability `agree`, else 1, 2 or 3.

    The mean answer is then 2 + 2.5 * agree, so a shift of the agree share by 0.12 moves
    the mean by 0.30.
    """
    counts = [0] * 5
    for _ in range(students):
        if rng.random() < agree:
            counts[rng.choice((3, 4))] += 1
        else:
            counts[rng.choice((0, 1, 2))] += 1
    return counts


def programme(seed: int, before: float, after: float, classes: int = 40):
    """Classes of 20-30 students whose answers hang together within the class.

    Each class has a lasting leaning (the same before and after) and its own response to the
    play; both are uniform around zero, so the population shares stay `before` and `after`.
    """
    rng = random.Random(seed)
    pairs = []
    for _ in range(classes):
        leaning, response = rng.uniform(-0.15, 0.15), rng.uniform(-0.3, 0.3)
        students = rng.randint(20, 30)
        pre = answers(rng, students, before + leaning)
        post = answers(rng, students - rng.randint(0, 3), after + leaning + response)
        pairs.append((pre, post))
    return pairs


def naive_interval(shift: Shift) -> tuple[float, float]:
    """The binomial interval that takes every student as independent (in points)."""
    group = shift.groups[AGREE]
    p1, p2, n1, n2 = group.share_before, group.share_after, shift.n_before, shift.n_after
    margin = 1.96 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return 100 * (p2 - p1 - margin), 100 * (p2 - p1 + margin)


@cache
def simulated(before: float, after: float, classes: int = 40) -> tuple[Shift, ...]:
    """The shifts of PROGRAMMES simulated programmes (fixed seeds), computed once per run."""
    return tuple(
        measure_shift(
            scale_groups(),
            programme(seed, before, after, classes),
            scale_points=5,
            replicates=FAST_REPLICATES,
        )
        for seed in range(PROGRAMMES)
    )


def covers(low: float, high: float, value: float) -> bool:
    return low <= value <= high


def test_scale_and_option_groups():
    assert scale_groups() == [[0, 1], [2], [3, 4]]
    assert scale_groups(4) == [[0, 1], [2, 3]]
    assert scale_groups(7) == [[0, 1, 2], [3], [4, 5, 6]]
    assert option_groups(3) == [[0], [1], [2]]
    with pytest.raises(ValueError):
        scale_groups(1)


def test_estimate_is_near_the_true_shift_and_the_interval_covers_it():
    shifts = simulated(0.40, 0.52)
    estimates = [shift.groups[AGREE].shift for shift in shifts]
    assert abs(sum(estimates) / len(estimates) - 12) < 1
    coverage = sum(covers(s.groups[AGREE].low, s.groups[AGREE].high, 12) for s in shifts)
    assert 0.85 <= coverage / PROGRAMMES <= 1.0
    for shift in shifts:
        assert shift.classes == shift.classes_both == 40
        assert shift.replicates == FAST_REPLICATES
        group = shift.groups[AGREE]
        assert group.low < group.shift < group.high


def test_ignoring_the_classes_gives_too_narrow_an_interval():
    """The design effect: the naive interval is clearly narrower and misses more often."""
    shifts = simulated(0.40, 0.52)
    naive = [naive_interval(shift) for shift in shifts]
    naive_width = sum(high - low for low, high in naive) / PROGRAMMES
    cluster_width = sum(s.groups[AGREE].high - s.groups[AGREE].low for s in shifts) / PROGRAMMES
    assert naive_width < 0.8 * cluster_width
    naive_coverage = sum(covers(low, high, 12) for low, high in naive) / PROGRAMMES
    cluster_coverage = sum(covers(s.groups[AGREE].low, s.groups[AGREE].high, 12) for s in shifts)
    assert naive_coverage < 0.9
    assert naive_coverage <= cluster_coverage / PROGRAMMES - 0.05


@pytest.mark.parametrize("classes", [3, 5])
def test_a_programme_of_few_classes_gets_a_wide_interval_that_still_covers(classes):
    """The bootstrap's own percentiles cannot reach past the classes seen: with 3 classes
    they covered the true shift 72 times in 100 and with 6 classes 88 (200 programmes)."""
    shifts = simulated(0.40, 0.52, classes)
    coverage = sum(covers(s.groups[AGREE].low, s.groups[AGREE].high, 12) for s in shifts)
    assert coverage / PROGRAMMES >= 0.88
    width = sum(s.groups[AGREE].high - s.groups[AGREE].low for s in shifts) / PROGRAMMES
    wide = sum(s.groups[AGREE].high - s.groups[AGREE].low for s in simulated(0.40, 0.52))
    assert width > 2.5 * wide / PROGRAMMES
    for shift in shifts:
        assert shift.groups[AGREE].low >= -100 and shift.groups[AGREE].high <= 100
        assert shift.mean.low >= -4 and shift.mean.high <= 4


@pytest.mark.parametrize(
    ("df", "table"),
    [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (9, 2.262), (39, 2.023), (1000, 1.962)],
)
def test_the_t_quantile_matches_the_table(df, table):
    assert t_quantile(0.975, df) == pytest.approx(table, abs=0.004)


def test_no_true_shift_mostly_gives_an_interval_around_zero():
    shifts = simulated(0.45, 0.45)
    around_zero = sum(covers(s.groups[AGREE].low, s.groups[AGREE].high, 0) for s in shifts)
    assert around_zero / PROGRAMMES >= 0.85
    means = sum(covers(s.mean.low, s.mean.high, 0) for s in shifts)
    assert means / PROGRAMMES >= 0.85


def test_the_mean_shift_of_a_scale_and_its_interval():
    shifts = simulated(0.40, 0.52)
    mean_shifts = [shift.mean.shift for shift in shifts]
    assert abs(sum(mean_shifts) / len(mean_shifts) - 0.30) < 0.03
    coverage = sum(covers(s.mean.low, s.mean.high, 0.30) for s in shifts) / PROGRAMMES
    assert 0.85 <= coverage <= 1.0


def test_shares_and_means_are_pooled_over_the_answers():
    classes = [([1, 0, 1, 0, 2], [0, 0, 0, 2, 2]), ([3, 1, 0, 0, 0], [1, 1, 0, 1, 1])]
    shift = measure_shift(scale_groups(), classes, scale_points=5)
    assert (shift.n_before, shift.n_after) == (8, 8)
    disagree, middle, agree = shift.groups
    assert isinstance(disagree, GroupShift)
    assert (disagree.options, disagree.share_before, disagree.share_after) == ((0, 1), 5 / 8, 2 / 8)
    assert disagree.shift == pytest.approx(-37.5)
    assert disagree.low <= disagree.shift <= disagree.high
    assert (middle.share_before, middle.share_after) == (1 / 8, 0)
    assert (agree.share_before, agree.share_after) == (2 / 8, 6 / 8)
    assert agree.shift == pytest.approx(50)
    # Scores: before 1+3+10 + 3+2 = 19, after 8+10 + 1+2+4+5 = 30.
    assert shift.mean.before == pytest.approx(19 / 8)
    assert shift.mean.after == pytest.approx(30 / 8)
    assert shift.mean.shift == pytest.approx(11 / 8)
    assert shift.mean.low <= shift.mean.shift <= shift.mean.high
    assert isinstance(shift.mean, MeanShift)


def test_a_single_choice_poll_has_no_mean():
    classes = [([2, 3, 1], [1, 4, 1]), ([0, 5, 5], [2, 2, 6]), ([4, 4, 0], [3, 3, 3])]
    shift = measure_shift(option_groups(3), classes)
    assert shift.mean is None
    assert [group.options for group in shift.groups] == [(0,), (1,), (2,)]
    assert sum(group.share_before for group in shift.groups) == pytest.approx(1)


def test_the_same_data_give_the_same_interval_in_any_order():
    classes = programme(7, 0.40, 0.52, classes=12)
    first = measure_shift(scale_groups(), classes, scale_points=5)
    assert measure_shift(scale_groups(), classes, scale_points=5) == first
    shuffled = classes[:]
    random.Random(1).shuffle(shuffled)
    assert measure_shift(scale_groups(), shuffled, scale_points=5) == first


def test_the_same_released_figures_reuse_their_interval():
    """A lead's every view of one release asks for the same shift: worked out once."""
    classes = programme(8, 0.40, 0.52, classes=12)
    first = measure_shift(scale_groups(), classes, scale_points=5)
    copied = [([*pre], [*post]) for pre, post in classes]
    assert measure_shift(scale_groups(), copied, scale_points=5) is first
    assert measure_shift(scale_groups(), classes, scale_points=5, seed=3) is not first


def test_only_the_data_or_an_explicit_seed_change_the_interval():
    classes = programme(7, 0.40, 0.52, classes=12)
    default = measure_shift(scale_groups(), classes)
    other_seed = measure_shift(scale_groups(), classes, seed=default.seed + 1)
    assert other_seed.groups[AGREE].shift == default.groups[AGREE].shift
    assert other_seed.groups[AGREE].low != default.groups[AGREE].low
    assert measure_shift(scale_groups(), classes, seed=default.seed) == default
    changed = [(pre, post) for pre, post in classes]
    changed[0] = (changed[0][0], [count + 1 for count in changed[0][1]])
    assert measure_shift(scale_groups(), changed).seed != default.seed


@pytest.mark.parametrize(
    "classes",
    [
        [],
        [([3, 2, 1, 0, 4], [1, 1, 1, 1, 1])],
        [([3, 2, 1, 0, 4], [1, 1, 1, 1, 1]), ([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])],
        [([3, 2, 1, 0, 4], [1, 1, 1, 1, 1]), ([2, 2, 2, 2, 2], [0, 0, 0, 0, 0])],
        [([3, 2, 1, 0, 4], [0, 0, 0, 0, 0]), ([2, 2, 2, 2, 2], [0, 0, 0, 0, 0])],
    ],
    ids=["no classes", "one class", "one with answers", "one with both sides", "no post"],
)
def test_fewer_than_two_classes_with_both_sides_give_nothing(classes):
    assert measure_shift(scale_groups(), classes, scale_points=5) is None


def test_classes_that_only_answered_the_pre_poll_count_on_that_side():
    both = [([2, 0, 0, 0, 2], [0, 0, 0, 2, 2]), ([1, 1, 0, 1, 1], [0, 1, 0, 1, 2])]
    only_pre = ([4, 0, 0, 0, 0], [0, 0, 0, 0, 0])
    silent = ([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])
    shift = measure_shift(scale_groups(), [*both, only_pre, silent])
    assert (shift.classes, shift.classes_both) == (3, 2)
    assert (shift.n_before, shift.n_after) == (12, 8)
    assert shift.groups[0].share_before == pytest.approx(8 / 12)
    assert shift.groups[AGREE].share_after == pytest.approx(7 / 8)
    # Resamples that drew only the pre-only class are skipped, not counted as zero.
    assert 0 < shift.replicates <= 2000


@pytest.mark.parametrize(
    ("groups", "classes", "scale_points"),
    [
        ([[0, 1], [2]], [([1, 2], [1, 2]), ([1, 2], [2, 1])], None),
        ([[0], [1]], [([1, 2], [1, 2, 0]), ([1, 2], [2, 1])], None),
        ([[0], [1]], [([1, -2], [1, 2]), ([1, 2], [2, 1])], None),
        ([[0], []], [([1, 2], [1, 2]), ([1, 2], [2, 1])], None),
        ([[0], [1]], [([1, 2], [1, 2]), ([1, 2], [2, 1])], 5),
    ],
    ids=["unknown option", "uneven counts", "negative count", "empty group", "wrong scale"],
)
def test_malformed_input_is_refused(groups, classes, scale_points):
    with pytest.raises(ValueError):
        measure_shift(groups, classes, scale_points=scale_points)
