"""Progress charts drawn on the server as SVG (issue 3, item 5).

This module computes coordinates; ``templates/charts/line.svg`` draws them (auto-escaped),
so the same drawing serves the patient page and the printed programme. Series differ by
dash pattern and marker shape as well as colour (UX.md: nothing depends on colour alone).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pht_clinic.html import day_month, short_date

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 36, 16, 36

# Colour-blind-safe palette (Okabe-Ito), each with a dash pattern and a marker.
STYLES = [
    ("#0072B2", "", "circle"),
    ("#D55E00", "6 3", "square"),
    ("#009E73", "2 3", "triangle"),
    ("#CC79A7", "10 3 2 3", "diamond"),
    ("#E69F00", "4 2 1 2", "square"),
    ("#56B4E9", "1 3", "triangle"),
]
STAGE_FILLS = {1: "#f2f2f2", 2: "#e3eef8", 3: "#e6f4ea", 4: "#fdf0e1"}
#: A stage label's width per character, generously: at font-size 11 no letter or digit of
#: "Stage N" is wider than 7 px in DejaVu Sans (Arial's are narrower).
LABEL_CHAR_WIDTH = 7


X = date | int  # a visit date, or a number of weeks


@dataclass
class Series:
    label: str
    points: list[tuple[X, float | None]]
    unit: str = ""


@dataclass
class StageBand:
    stage: int
    start: date
    end: date | None  # None: still in this stage


@dataclass
class Chart:
    title: str
    description: str
    y_max: float
    y_label: str
    series: list[Series]
    bands: list[StageBand] = field(default_factory=list)
    x_unit: str = "date"  # "date" or "week"
    y_min: float = 0

    def _offset(self, x: X, first: X) -> int:
        if isinstance(x, date) and isinstance(first, date):
            return (x - first).days
        assert isinstance(x, int) and isinstance(first, int)  # noqa: S101 - one axis, one kind
        return x - first

    def _label(self, x: X, long: bool = False) -> str:
        if isinstance(x, date):
            return short_date(x) if long else day_month(x)
        return f"week {x}"

    def svg_context(self) -> dict[str, object]:
        # One chart has one kind of x (dates or weeks), so the values compare.
        days: list[X] = sorted({d for s in self.series for d, v in s.points if v is not None})
        if not days:
            return {"chart": self, "empty": True}
        first, last = days[0], days[-1]
        span = max(self._offset(last, first), 1)
        plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
        # The axis runs from tick to tick, so its ends are labelled with round numbers too.
        ticks = round_ticks(self.y_min, self.y_max)
        low, high = ticks[0], ticks[-1]

        def x(day: X) -> float:
            share = self._offset(day, first) / span if last != first else 0.5
            return round(LEFT + plot_w * share, 1)

        def y(value: float) -> float:
            value = max(low, min(value, high))
            return round(TOP + plot_h * (1 - (value - low) / (high - low)), 1)

        lines = []
        for index, s in enumerate(self.series):
            colour, dash, marker = STYLES[index % len(STYLES)]
            pts = [(x(d), y(v), v, d) for d, v in s.points if v is not None]
            lines.append(
                {
                    "label": s.label,
                    "colour": colour,
                    "dash": dash,
                    "marker": marker,
                    "path": " ".join(f"{px},{py}" for px, py, _, _ in pts),
                    "markers": " ".join(_marker(marker, px, py) for px, py, _, _ in pts),
                    "legend_y": TOP + 14 * index,
                }
            )
        shown = []  # (stage, x0, x1) of the bands inside the dates drawn
        for band in self.bands:  # stage bands belong to date charts only
            assert isinstance(first, date) and isinstance(last, date)  # noqa: S101
            start = max(band.start, first)
            end = min(band.end or last, last)
            if end < start:
                continue
            shown.append((band.stage, x(start), x(end) if band.end else WIDTH - RIGHT))
        labels = [f"Stage {stage}" for stage, _, _ in shown]
        label_xs = _label_places([x0 for _, x0, _ in shown], labels)
        bands = [
            {
                "stage": stage,
                "x": x0,
                "width": max(round(x1 - x0, 1), 2),
                "fill": STAGE_FILLS.get(stage, "#eeeeee"),
                "label": label,
                "label_x": label_x,
            }
            for (stage, x0, x1), label, label_x in zip(shown, labels, label_xs, strict=True)
        ]
        return {
            "chart": self,
            "empty": False,
            "width": WIDTH,
            "height": HEIGHT,
            "plot": {
                "left": LEFT,
                "right": WIDTH - RIGHT,
                "top": TOP,
                "bottom": HEIGHT - BOTTOM,
                "height": plot_h,
            },
            "lines": lines,
            "bands": bands,
            "y_ticks": [{"y": y(t), "label": f"{t:g}"} for t in ticks],
            "x_ticks": [{"x": px, "label": self._label(d)} for d, px in _spaced(days, x)],
            "table_rows": [
                {
                    "label": self._label(d, long=True),
                    "values": [_value_on(s, d) for s in self.series],
                }
                for d in days
            ],
        }


#: Steps between y-axis ticks are 1, 2 or 5 times a power of ten ("nice" numbers).
NICE_STEPS = (1, 2, 5, 10)


def round_ticks(low: float, high: float, intervals: int = 5) -> list[float]:
    """The y-axis ticks for values from ``low`` to ``high``: multiples of a step of 1, 2 or
    5 times a power of ten, at most about ``intervals`` of them apart, from the largest
    multiple at or below ``low`` to the smallest at or above ``high`` (so 0 is a tick
    whenever the range crosses it). Pain 0-10 gives 0, 2, ... 10; a VISA-H change of -1 to
    37 gives -10, 0, 10, ... 40 rather than -1, 18, 37.

    A range of one value is widened around it (by 1 around 0, else by a tenth of the value)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"ticks need finite bounds, not {low!r} and {high!r}")
    low, high = min(low, high), max(low, high)
    if low == high:
        pad = abs(low) / 10 or 1
        low, high = low - pad, high + pad
    raw = (high - low) / max(intervals, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(n * power for n in NICE_STEPS if n * power >= raw * (1 - 1e-9))
    digits = max(0, -math.floor(math.log10(step)))  # decimals a tick can need (0.5: one)
    # A little tolerance: 0.3 / 0.1 is 2.9999999999999996 in floating point.
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    # "+ 0.0" turns -0.0 into 0.0, which is printed "0", not "-0".
    return [round(k * step, digits) + 0.0 for k in range(first, last + 1)]


def _marker(shape: str, x: float, y: float) -> str:
    """SVG path data (numbers only) of one marker; a series draws all its markers as one
    path, which keeps a chart of 100 visits cheap to render."""
    if shape == "circle":
        return f"M{x - 3.5:g} {y:g}a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0 -7 0"
    if shape == "square":
        return f"M{x - 3.5:g} {y - 3.5:g}h7v7h-7z"
    if shape == "triangle":
        return f"M{x:g} {y - 4:g}l4 7h-8z"
    return f"M{x:g} {y - 4:g}l4 4l-4 4l-4 -4z"  # diamond


#: The least distance between two x-axis labels ("21 Nov" is ~40 px wide, plus room between).
X_LABEL_GAP = 72


def _spaced(days: list[X], x: Callable[[X], float]) -> list[tuple[X, float]]:
    """The days to label on the x axis, at least ``X_LABEL_GAP`` apart so that labels never
    overlap where visits or diary days crowd together: the first and the last day always,
    the others left to right where they fit."""
    placed = [(d, x(d)) for d in days]
    if len(placed) <= 1:
        return placed
    last = placed[-1]
    chosen = [placed[0]]
    for day, px in placed[1:-1]:
        if px - chosen[-1][1] >= X_LABEL_GAP and last[1] - px >= X_LABEL_GAP:
            chosen.append((day, px))
    if last[1] - chosen[-1][1] >= X_LABEL_GAP:
        chosen.append(last)
    elif len(chosen) > 1:
        chosen[-1] = last  # the latest day matters more than the one beside it
    return chosen


def _label_places(starts: list[float], labels: list[str]) -> list[float]:
    """Where each band's label starts: just inside its band, except that a stage entered at
    or near the latest visit has a band narrower than its label at the right edge. Right to
    left, each label moves left until it ends inside the plot and before the next label."""
    places = []
    limit: float = WIDTH - RIGHT - 4
    for start, label in zip(reversed(starts), reversed(labels), strict=True):
        place = round(max(min(start + 4, limit - len(label) * LABEL_CHAR_WIDTH), LEFT + 4), 1)
        places.append(place)
        limit = place - 8
    return places[::-1]


def _value_on(series: Series, day: X) -> float | None:
    for d, v in series.points:
        if d == day:
            return v
    return None
