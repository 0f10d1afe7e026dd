"""What is chance and what is not: intervals for a council's rates, and funnel limits around its group's average.

A rate of 67% on 6 cases says less than 67% on 600. Two measures, as public health indicators publish them
(PHE Fingertips), say how much:

- the **95% Wilson score interval** of a rate: the range of true rates consistent with what was counted
  (:func:`wilson_interval`);
- the **funnel limits**: whether a council's count is more than chance would give a council with the same
  number of cases at its comparison group's average ``p0``, by exact binomial tails
  (:func:`compared_with_average`): ``higher`` if P(X >= x | n, p0) < 0.025 (``much_higher`` if < 0.001),
  ``lower`` if P(X <= x | n, p0) < 0.025 (``much_lower`` if < 0.001), otherwise ``expected``. The 95% and
  99.8% limits are the same tails, half a case beyond the last count not judged (:func:`funnel_limits`),
  or made continuous in the number of cases for drawing (:func:`smooth_funnel_limits`).

Tails are summed in floating point from the term nearest ``x`` outwards; a tail within a hair of 0.025 or
0.001 is summed again exactly, in fractions, so that a count on a threshold is judged as exact arithmetic
would judge it.
"""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist

#: The 97.5th percentile of the standard normal distribution, as the issue and Fingertips state it.
Z_95 = 1.959964

HIGHER, MUCH_HIGHER, LOWER, MUCH_LOWER, EXPECTED = "higher", "much_higher", "lower", "much_lower", "expected"
#: Every judgement, from the lowest to the highest.
JUDGEMENTS: tuple[str, ...] = (MUCH_LOWER, LOWER, EXPECTED, HIGHER, MUCH_HIGHER)
#: The tail probabilities of the 95% and 99.8% limits.
LIMIT_95, LIMIT_998 = Fraction(1, 40), Fraction(1, 1000)

_CLOSE = 1e-9  # a float tail this close (relatively) to a threshold is summed again exactly
_EXACT_UP_TO = 2_000  # cases; beyond, exact fractions grow too large to be worth it (and ties vanish)


def wilson_interval(count: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of ``count`` out of ``total``, as fractions 0-1; ``None`` if ``total`` is 0."""
    _check_counts(count, total)
    if total == 0:
        return None
    z2 = z * z
    centre = (count + z2 / 2) / (total + z2)
    half = z / (total + z2) * math.sqrt(count * (total - count) / total + z2 / 4)
    # At 0 and at every case the interval reaches the bound exactly; floating point would leave a hair.
    low = 0.0 if count == 0 else max(0.0, centre - half)
    high = 1.0 if count == total else min(1.0, centre + half)
    return low, high


def upper_tail(count: int, total: int, p: Fraction | float) -> float:
    """P(X >= ``count``) for X binomial with ``total`` trials and probability ``p``."""
    return _tail(count, total, p, upper=True)


def lower_tail(count: int, total: int, p: Fraction | float) -> float:
    """P(X <= ``count``) for X binomial with ``total`` trials and probability ``p``."""
    return _tail(count, total, p, upper=False)


def compared_with_average(count: int, total: int, average: Fraction | float | None) -> str | None:
    """How ``count`` out of ``total`` stands against ``average`` (one of :data:`JUDGEMENTS`); ``None`` where
    there is nothing to judge (no cases, or no average)."""
    _check_counts(count, total)
    if total == 0 or average is None:
        return None
    p = Fraction(average) if not isinstance(average, Fraction) else average
    for upper, much, some in ((True, MUCH_HIGHER, HIGHER), (False, MUCH_LOWER, LOWER)):
        if _below(count, total, p, upper, LIMIT_998):
            return much
        if _below(count, total, p, upper, LIMIT_95):
            return some
    return EXPECTED


def funnel_limits(total: int, average: Fraction | float, tail: Fraction = LIMIT_95) -> tuple[float, float]:
    """The rates (0-1) between which a count out of ``total`` is not judged at this ``tail`` (the 95%
    limits by default; :data:`LIMIT_998` for the 99.8% ones). Each limit stands half a case beyond the last
    count that is not judged, so that a council on the far side of a line is judged so."""
    if total <= 0:
        raise ValueError(f"a funnel limit needs at least one case, not {total}")
    p = Fraction(average) if not isinstance(average, Fraction) else average
    high = _first_judged(total, p, tail, upper=True)
    low = total - _first_judged(total, 1 - p, tail, upper=True)  # the other outcome's upper tail
    return max(0.0, (low + 0.5) / total), min(1.0, (high - 0.5) / total)


def smooth_funnel_limits(total: int, average: Fraction | float, tail: Fraction = LIMIT_95) -> tuple[float, float]:
    """The 95% (or, with :data:`LIMIT_998`, 99.8%) funnel limits as rates 0-1, made continuous in the number
    of cases as Spiegelhalter (2005, Statistics in Medicine 24:1185, appendix A.1.1) and PHE's funnel plots
    make them: for the quantile ``q`` of the binomial distribution (n = ``total``, p = ``average``), with
    ``r`` the smallest count whose cumulative probability F(r) reaches ``q``, the limit is
    (r - alpha) / n where alpha = (F(r) - q) / (F(r) - F(r - 1)). These are the lines a funnel plot draws;
    the judgements stay the exact tails at the council's own number of cases (:func:`compared_with_average`),
    and a council judged beyond a limit always lies beyond this line (one at the count just inside a limit
    may lie on or just beyond it: the line passes between whole counts)."""
    if total <= 0:
        raise ValueError(f"a funnel limit needs at least one case, not {total}")
    p = Fraction(average) if not isinstance(average, Fraction) else average
    low = _interpolated_quantile(total, p, float(tail))
    high = _interpolated_quantile(total, p, 1 - float(tail))
    return max(0.0, low / total), min(1.0, high / total)


def _interpolated_quantile(total: int, p: Fraction, quantile: float) -> float:
    """r - alpha (see :func:`smooth_funnel_limits`): the count at which the binomial distribution's
    cumulative probability, joined linearly between whole counts, reaches ``quantile``."""
    def cumulative(count: int) -> float:
        return 0.0 if count < 0 else lower_tail(count, total, p)

    q = float(p)
    guess = min(total, max(0, round(q * total + NormalDist().inv_cdf(quantile) * math.sqrt(total * q * (1 - q)))))
    while guess > 0 and cumulative(guess - 1) >= quantile:
        guess -= 1
    while guess < total and cumulative(guess) < quantile:
        guess += 1
    at, before = cumulative(guess), cumulative(guess - 1)
    alpha = (at - quantile) / (at - before) if at > before else 0.0
    return guess - alpha


def _first_judged(total: int, p: Fraction, tail: Fraction, upper: bool) -> int:
    """The smallest count whose upper tail is below ``tail`` (``total + 1`` if none is), searched from the
    normal approximation's guess, a step or two away."""
    q = float(p)
    z = NormalDist().inv_cdf(1 - float(tail))
    guess = min(total + 1, max(0, math.ceil(q * total + z * math.sqrt(total * q * (1 - q)))))
    if guess <= total and _below(guess, total, p, upper, tail):
        while guess > 0 and _below(guess - 1, total, p, upper, tail):
            guess -= 1
        return guess
    while guess <= total and not _below(guess, total, p, upper, tail):
        guess += 1
    return guess


def _check_counts(count: int, total: int) -> None:
    if total < 0 or count < 0 or count > total:
        raise ValueError(f"{count} out of {total} is not a count of cases")


def _below(count: int, total: int, p: Fraction, upper: bool, threshold: Fraction) -> bool:
    """The tail (upper or lower) at ``count`` is strictly below ``threshold``, exactly at a hair's breadth."""
    tail = _tail(count, total, p, upper)
    limit = float(threshold)
    if abs(tail - limit) > _CLOSE * limit or total > _EXACT_UP_TO:
        return tail < limit
    return _exact_tail(count, total, p, upper) < threshold


def _tail(count: int, total: int, p: Fraction | float, upper: bool) -> float:
    if not upper:  # P(X <= x) is P(Y >= n - x) for Y counting the other outcome
        return _tail(total - count, total, 1 - p, True)
    if count <= 0:
        return 1.0
    if count > total:
        return 0.0
    q = float(p)
    if q <= 0.0:
        return 0.0
    if q >= 1.0:
        return 1.0
    if count > q * total:
        return min(1.0, _sum_terms(count, total, q, step=1))
    # Below the mean, the upper tail is the rest of the lower one, which is the shorter sum.
    return max(0.0, 1.0 - _sum_terms(count - 1, total, q, step=-1))


def _sum_terms(start: int, total: int, q: float, step: int) -> float:
    """The binomial probabilities from ``start`` away from the mean (``step`` 1: upwards, -1: downwards),
    until they no longer change the sum."""
    log_q, log_not_q = math.log(q), math.log1p(-q)
    log_total = math.lgamma(total + 1)
    terms = []
    k = start
    while 0 <= k <= total:
        term = math.exp(log_total - math.lgamma(k + 1) - math.lgamma(total - k + 1) + k * log_q + (total - k) * log_not_q)
        terms.append(term)
        # The terms only fall away from the mean: stop when they no longer count (or underflow).
        if term == 0.0 or (len(terms) > 1 and term < 1e-17 * terms[0]):
            break
        k += step
    return math.fsum(terms)


def _exact_tail(count: int, total: int, p: Fraction, upper: bool) -> Fraction:
    counts = range(max(count, 0), total + 1) if upper else range(0, min(count, total) + 1)
    return sum((math.comb(total, k) * p**k * (1 - p) ** (total - k) for k in counts), Fraction(0))
