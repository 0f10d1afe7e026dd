"""Funnel plots for the site: each council of a comparison group a dot at (its cases, its rate), the group's
average as a line, and the 95% and 99.8% limits around it as smooth curves
(:func:`~ombudsman_cli.comparison.smooth_funnel_limits`), which narrow as the cases grow, with a legend. A dot beyond a limit is a council judged ``higher`` or ``lower`` (or
``much_``) by the same exact tails as every other output; dots beyond are filled, dots within hollow, so
that nothing is told by colour alone. Inline SVG, with a title and a description that states what it shows;
the page beside it has a table of the same figures."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from html import escape

from ..comparison import LIMIT_95, LIMIT_998, smooth_funnel_limits
from ..data.values import plural
from ..letters.context import shown_percent
from ..stats import AuthorityStatistics

#: The rates drawn, with the words for the axis (what the rate is out of) and the plot's title.
FUNNEL_RATES = {
    "uphold_rate": ("Complaints upheld", "detailed investigations"),
    "compliance_rate": ("Compliance with recommendations", "compliance outcomes"),
    "satisfactory_remedy_rate": ("Satisfactory remedy provided by the council", "upheld decisions"),
}
#: The rate's axis, in words.
_RATE_AXIS = {"uphold_rate": "% upheld", "compliance_rate": "% complied with", "satisfactory_remedy_rate": "% remedied"}
#: The legend's entries: what each line and dot means (a mark drawn by ``_legend``).
_LEGEND = (("average", "The group's average"), ("95", "95% limits"), ("998", "99.8% limits"),
           ("beyond", "Beyond the 95% limits"), ("within", "Within them"))
_TEXT = 16  # the body size, at the drawing's own scale


def _beyond_limits(count: int, far: int, side: str) -> str:
    """How many councils lie beyond the 95% limits on one side, and how many of those beyond the 99.8%, as a
    sentence says it ("no council is above ...", "1 council is below ..., but within the 99.8% limits")."""
    if count == 0:
        return f"no council is {side} the 95% limits"
    if count == 1:
        return f"1 council is {side} the 95% limits, " + (f"and {side} the 99.8% limits too" if far
                                                          else "but within the 99.8% limits")
    beyond = {0: "none of them", count: "all of them"}.get(far, f"{far:,} of them")
    return f"{count:,} councils are {side} the 95% limits, {beyond} {side} the 99.8% limits{' too' if far else ''}"


@dataclass(frozen=True)
class FunnelPoint:
    code: str
    name: str
    count: int
    total: int
    judgement: str | None

    @property
    def rate(self) -> float:
        return self.count / self.total


@dataclass
class Funnel:
    """One rate of one comparison group."""

    group: str
    rate: str
    average: Fraction
    points: list[FunnelPoint]
    _drawings: dict[bool, str] = field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        return f"{FUNNEL_RATES[self.rate][0]}: {self.group}s"

    @property
    def out_of(self) -> str:
        return FUNNEL_RATES[self.rate][1]

    def __post_init__(self) -> None:
        self._judged = Counter(p.judgement for p in self.points)
        self._top = _nice_top(max([p.total for p in self.points] + [1]))

    def counted(self, *judgements: str) -> int:
        return sum(self._judged[j] for j in judgements)

    def description(self, highlight: FunnelPoint | None = None) -> str:
        above, below = self.counted("higher", "much_higher"), self.counted("lower", "much_lower")
        text = (f"Funnel plot of {plural(len(self.points), self.group)} with a rate, each a dot at its number of "
                f"{self.out_of} and its rate. The group's average is {shown_percent(self.average)}; the 95% and "
                f"99.8% limits narrow around it as the number of cases grows. "
                f"{_beyond_limits(above, self.counted('much_higher'), 'above').capitalize()}; "
                f"{_beyond_limits(below, self.counted('much_lower'), 'below')}; the rest are within. Councils with "
                "the same figures share a dot.")
        if highlight is not None:
            text += (f" Marked: {highlight.name}, {shown_percent(Fraction(highlight.count, highlight.total))} of {highlight.total:,}, "
                     f"{_JUDGED[highlight.judgement or 'expected']}.")
        return text

    def svg(self, identifier: str, highlight: str | None = None) -> str:
        """Two drawings (wide, and narrow for a phone), with the council ``highlight`` (a GSS code) marked."""
        marked = next((p for p in self.points if p.code == highlight), None)
        return "".join(self._svg(identifier if not narrow else f"{identifier}-narrow", narrow, marked)
                       for narrow in (False, True))

    def _svg(self, identifier: str, narrow: bool, marked: FunnelPoint | None) -> str:
        if narrow not in self._drawings:
            self._drawings[narrow] = self._plot(narrow)
        width, height = _SIZE[narrow]
        overlay = self._marker(marked, narrow) if marked is not None else ""
        return "".join([
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart funnel chart--{"narrow" if narrow else "wide"}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{identifier}-title {identifier}-description" '
            f'focusable="false" font-size="{_TEXT}">',
            f'<title id="{identifier}-title">{escape(self.title)}</title>',
            f'<desc id="{identifier}-description">{escape(self.description(marked))}</desc>',
            self._drawings[narrow], overlay, "</svg>",
        ])

    # -- drawing --------------------------------------------------------------------------------------

    def _scale(self, narrow: bool) -> tuple[float, float, float, float, float]:
        width, height = _SIZE[narrow]
        left, right, top, bottom = 76, 12, 12, 64 + _legend_height(narrow)
        return left, width - right, top, height - bottom, self._top

    def _xy(self, total: float, rate: float, narrow: bool) -> tuple[float, float]:
        x0, x1, y0, y1, top = self._scale(narrow)
        return x0 + (x1 - x0) * total / top, y1 - (y1 - y0) * rate

    def _plot(self, narrow: bool) -> str:
        x0, x1, y0, y1, top = self._scale(narrow)
        parts = []
        for share in (0, 0.25, 0.5, 0.75, 1):
            y = y1 - (y1 - y0) * share
            parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#dddddd"/>'
                         f'<text x="{x0 - 6}" y="{y + 5:.1f}" text-anchor="end" class="chart__label">'
                         f'{round(share * 100)}%</text>')
        step = _nice_step(top, 3 if narrow else 6)
        tick = 0.0
        while tick <= top + 1e-9:
            x = x0 + (x1 - x0) * tick / top
            parts.append(f'<line x1="{x:.1f}" y1="{y1}" x2="{x:.1f}" y2="{y1 + 5}" stroke="#0b0c0c"/>'
                         f'<text x="{x:.1f}" y="{y1 + 22}" text-anchor="middle" class="chart__label">{round(tick):,}</text>')
            tick += step
        parts.append(f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#0b0c0c"/>'
                     f'<text x="{(x0 + x1) / 2:.0f}" y="{y1 + 48}" text-anchor="middle" class="chart__label">'
                     f'Number of {escape(self.out_of)}</text>')
        parts.append(f'<text transform="translate(18 {(y0 + y1) / 2:.0f}) rotate(-90)" text-anchor="middle" '
                     f'class="chart__label">{escape(_RATE_AXIS[self.rate])}</text>')
        samples = _samples(top)
        for tail, dash in ((LIMIT_95, _DASHES["95"]), (LIMIT_998, _DASHES["998"])):
            limits = [(n, *smooth_funnel_limits(n, self.average, tail)) for n in samples]
            for side in (1, 2):
                points = " ".join("{:.1f},{:.1f}".format(*self._xy(n, limit[side - 1], narrow))
                                  for n, *limit in limits)
                parts.append(f'<polyline points="{points}" fill="none" stroke="#505a5f" stroke-width="1.5" '
                             f'stroke-dasharray="{dash}"/>')
        ya = self._xy(0, float(self.average), narrow)[1]
        parts.append(f'<line x1="{x0}" y1="{ya:.1f}" x2="{x1}" y2="{ya:.1f}" stroke="#0b0c0c" stroke-width="2"/>')
        # Councils with the same figures share a dot (they would be drawn on top of each other).
        for point in {(p.count, p.total): p for p in self.points}.values():
            x, y = self._xy(point.total, point.rate, narrow)
            beyond = point.judgement not in (None, "expected")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{"#0b0c0c" if beyond else "#ffffff"}" '
                         'stroke="#0b0c0c" stroke-width="1.2"/>')
        parts.append(_legend(x0, y1 + 64, narrow))
        return "".join(parts)

    def _marker(self, point: FunnelPoint, narrow: bool) -> str:
        x, y = self._xy(point.total, point.rate, narrow)
        x0, x1, *_ = self._scale(narrow)
        anchor = "end" if x > (x0 + x1) / 2 else "start"
        dx = -12 if anchor == "end" else 12
        label_y = y - 12 if y > 40 else y + 24
        return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="none" stroke="#1d70b8" stroke-width="3"/>'
                f'<text x="{x + dx:.1f}" y="{label_y:.1f}" text-anchor="{anchor}" class="chart__figure" '
                f'paint-order="stroke" stroke="#ffffff" stroke-width="4">{escape(_short(point.name))}</text>')


_DASHES = {"95": "6 4", "998": "2 3"}
_LEGEND_ROW = 24
#: Legend entries a row: three then two on the wide drawing, one a row on the narrow one.
_LEGEND_ROWS = {False: ((0, 1, 2), (3, 4)), True: ((0,), (1,), (2,), (3,), (4,))}


def _legend_height(narrow: bool) -> int:
    return len(_LEGEND_ROWS[narrow]) * _LEGEND_ROW + 8


def _legend(x: float, y: float, narrow: bool) -> str:
    """What each line and dot means, under the plot: a mark and its words, as the page's text says."""
    parts = []
    for row, entries in enumerate(_LEGEND_ROWS[narrow]):
        for column, index in enumerate(entries):
            kind, words = _LEGEND[index]
            left, middle = x - 60 + column * 210, y + row * _LEGEND_ROW + 12
            if kind in ("beyond", "within"):
                mark = (f'<circle cx="{left + 14}" cy="{middle}" r="4" fill="{"#0b0c0c" if kind == "beyond" else "#ffffff"}" '
                        'stroke="#0b0c0c" stroke-width="1.2"/>')
            else:
                style = ('stroke="#0b0c0c" stroke-width="2"' if kind == "average"
                         else f'stroke="#505a5f" stroke-width="1.5" stroke-dasharray="{_DASHES[kind]}"')
                mark = f'<line x1="{left}" y1="{middle}" x2="{left + 28}" y2="{middle}" {style}/>'
            parts.append(f'{mark}<text x="{left + 36}" y="{middle + 5}" class="chart__legend">{escape(words)}</text>')
    return "".join(parts)


_SIZE = {False: (680, 380 + _legend_height(False)), True: (320, 320 + _legend_height(True))}
_JUDGED = {"expected": "within the range expected by chance", "higher": "above the 95% limit",
           "much_higher": "above the 99.8% limit", "lower": "below the 95% limit", "much_lower": "below the 99.8% limit"}


def funnels(group: str, entries: list[AuthorityStatistics]) -> list[Funnel]:
    """The group's funnel plot for each rate with an average (its councils with a rate as the dots)."""
    drawn = []
    for name in FUNNEL_RATES:
        average = next((e.average(name) for e in entries if e.average(name) is not None), None)
        if average is None:
            continue
        points = [FunnelPoint(e.authority.code, e.authority.name, e.count(name) or 0, e.denominator(name) or 0,
                              e.vs_average(name)) for e in entries if e.denominator(name)]
        if points:
            drawn.append(Funnel(group, name, average, points))
    return drawn


def judgement_text(judgement: str | None) -> str:
    """A judgement in a table's words."""
    return {"expected": "Within the expected range", "higher": "Higher than expected",
            "much_higher": "Well above the expected range", "lower": "Lower than expected",
            "much_lower": "Well below the expected range"}.get(judgement or "", "")


def _short(name: str) -> str:
    for ending in (" District Council", " Borough Council", " City Council", " County Council", " Council"):
        if name.endswith(ending) and len(name) > len(ending) + 3:
            return name.removesuffix(ending)
    return name


def _nice_top(most: int) -> float:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000):
        if most <= step * 6:
            return float(math.ceil(most / step) * step) or step
    return float(10 ** math.ceil(math.log10(most)))


def _nice_step(top: float, ticks: int) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000):
        if top / step <= ticks:
            return float(step)
    return top / ticks


def _samples(top: float) -> list[int]:
    """The numbers of cases at which the limits are drawn: every one at first, where they turn fastest."""
    every = list(range(1, min(int(top), 60) + 1))
    if top <= 60:
        return every
    spaced = [round(60 + (top - 60) * i / 80) for i in range(1, 81)]
    return sorted(set(every + spaced))
