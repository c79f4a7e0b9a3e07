"""Progress charts (patients/charts.py): what a reader sees on the axes."""

import hashlib
import itertools
import math
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from patients.charts import TOP, X_LABEL_GAP, Chart, Series, StageBand, round_ticks


def _chart(days):
    return Chart(
        title="Pain", description="", y_max=10, y_label="/10", series=[Series("Pain", days)]
    )


def test_date_labels_never_overlap_where_days_crowd_together():
    # Weekly visits, then a diary entry every day for the last week (where labels collided).
    start = date(2026, 9, 1)
    days = [start + timedelta(weeks=w) for w in range(12)]
    days += [days[-1] + timedelta(days=d) for d in range(1, 8)]
    ticks = _chart([(d, 3) for d in days]).svg_context()["x_ticks"]
    xs = [t["x"] for t in ticks]
    assert all(b - a >= X_LABEL_GAP for a, b in itertools.pairwise(xs))
    assert ticks[0]["label"] == "1 Sep" and ticks[-1]["label"] == "24 Nov"  # first and latest
    assert len(ticks) >= 5


def test_a_single_visit_has_its_one_label():
    ticks = _chart([(date(2026, 11, 2), 4)]).svg_context()["x_ticks"]
    assert [t["label"] for t in ticks] == ["2 Nov"]


def test_cached_drawings_are_keyed_by_the_code_and_template_that_draw_them(monkeypatch):
    from django.conf import settings

    from patients import charts, views

    drawn_by = (settings.BASE_DIR / "templates" / "charts" / "line.svg").read_bytes()
    drawn_by += Path(charts.__file__).read_bytes()
    version = hashlib.sha256(drawn_by).hexdigest()[:12]
    keys = []
    monkeypatch.setattr(
        views, "get_or_compute_kept", lambda key, compute, _: keys.append(key) or []
    )
    views.progress_charts(None, [], [])
    assert keys and keys[0].startswith(f"charts-{version}-")


def test_stage_labels_stay_whole_inside_the_plot_when_a_stage_starts_at_the_latest_visit():
    # Stage 2 a week before the latest visit, stage 3 at it: both bands at the right edge are
    # narrower than their labels ("Stage 3" was cut to "Stage" by the edge of the drawing).
    visits = [date(2026, 9, 1) + timedelta(weeks=w) for w in range(10)]
    chart = _chart([(d, 3) for d in visits])
    chart.bands = [
        StageBand(1, visits[0], visits[8]),
        StageBand(2, visits[8], visits[9]),
        StageBand(3, visits[9], None),
    ]
    context = chart.svg_context()
    plot = context["plot"]
    # At font-size 11 no letter or digit of "Stage N" is wider than 0.64 em (DejaVu Sans).
    labels = [
        (b["label_x"], b["label_x"] + len(f"Stage {b['stage']}") * 11 * 0.64)
        for b in context["bands"]
    ]
    assert all(plot["left"] <= start and end <= plot["right"] for start, end in labels)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(labels))
    svg = render_to_string("charts/line.svg", {**context, "chart_id": "c"})
    assert [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*>Stage \d<', svg)] == [
        start for start, _ in labels
    ]


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 10, [0, 2, 4, 6, 8, 10]),  # pain
        (0, 100, [0, 20, 40, 60, 80, 100]),  # VISA-H
        (-100, 100, [-100, -50, 0, 50, 100]),  # VISA-H change, its widest
        (-1, 37, [-10, 0, 10, 20, 30, 40]),  # was labelled -1, 18, 37
        (0, 240, [0, 50, 100, 150, 200, 250]),  # sitting tolerance, its widest
        (0, 60, [0, 20, 40, 60]),  # sitting tolerance, its least
        (0, 135, [0, 50, 100, 150]),
        (-3, 7, [-4, -2, 0, 2, 4, 6, 8]),  # crosses 0: 0 is a tick
        (37, -1, [-10, 0, 10, 20, 30, 40]),  # bounds the wrong way round
        # Negative only.
        (-37, -15, [-40, -35, -30, -25, -20, -15]),
        (-100, -1, [-100, -80, -60, -40, -20, 0]),
        # Tiny ranges.
        (0, 0.3, [0, 0.1, 0.2, 0.3]),
        (0.001, 0.003, [0.001, 0.0015, 0.002, 0.0025, 0.003]),
        (2.5, 2.6, [2.5, 2.52, 2.54, 2.56, 2.58, 2.6]),
        # One value: widened around it.
        (0, 0, [-1, -0.5, 0, 0.5, 1]),
        (5, 5, [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]),
        (-20, -20, [-22, -21, -20, -19, -18]),
    ],
)
def test_round_ticks(low, high, ticks):
    assert round_ticks(low, high) == ticks


@pytest.mark.parametrize(
    ("low", "high"),
    [(0, 10), (-100, 100), (-1, 37), (0, 240), (-37, -15), (0.001, 0.003), (5, 5), (0, 0),
     (-7.3, 1234.5), (0.1, 0.7), (99, 101), (1e6, 1e6 + 3)],
)  # fmt: skip
def test_round_ticks_cover_the_range_in_a_few_round_steps(low, high):
    ticks = round_ticks(low, high)
    assert ticks[0] <= min(low, high) and max(low, high) <= ticks[-1]
    assert 3 <= len(ticks) <= 8
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1  # evenly spaced
    (step,) = steps
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5)
    if low < 0 < high:
        assert 0 in ticks
    assert all(len(f"{t:g}") <= 8 for t in ticks)  # no 0.30000000000000004 on the axis
    assert "-0" not in [f"{t:g}" for t in ticks]


def test_round_ticks_refuse_an_infinite_range():
    with pytest.raises(ValueError, match="finite"):
        round_ticks(0, math.inf)


def _tick_labels(svg):
    return re.findall(r'text-anchor="end" dominant-baseline="middle" fill="#212529">([^<]*)<', svg)


def test_the_axis_runs_from_round_tick_to_round_tick():
    chart = Chart(
        title="Change", description="", y_min=-1, y_max=37, y_label=" points", x_unit="week",
        series=[Series("Mean change", [(0, 0.0), (2, -1.0), (6, 37.0)])],
    )  # fmt: skip
    context = chart.svg_context()
    assert [t["label"] for t in context["y_ticks"]] == ["-10", "0", "10", "20", "30", "40"]
    assert context["y_ticks"][-1]["y"] == TOP  # the top of the axis is labelled
    assert context["y_ticks"][0]["y"] == context["plot"]["bottom"]


def test_every_progress_chart_and_the_clinics_visah_chart_have_round_ticks(monkeypatch):
    from types import SimpleNamespace

    from patients import views
    from rehab import caseload_views

    monkeypatch.setattr(views, "get_or_compute_kept", lambda key, compute, _: compute())
    visits = [
        SimpleNamespace(
            visit_date=date(2026, 1, 5) + timedelta(weeks=w), nprs_morning_baseline=3,
            nprs_24h_after_hardest=3, nprs_exercise_max=4, nprs_adl_typical_7d=2,
            sitting_tolerance_min=minutes, visah_total=40 + w,
        )
        for w, minutes in enumerate([15, 70, 137])
    ]  # fmt: skip
    pain, sitting, visah = (c["svg"] for c in views.progress_charts(None, visits, []))
    assert _tick_labels(pain) == ["0", "2", "4", "6", "8", "10"]
    assert _tick_labels(sitting) == ["0", "50", "100", "150"]
    assert _tick_labels(visah) == ["0", "20", "40", "60", "80", "100"]
    change = caseload_views._visah_chart([(0, 0.0, 3), (1, -1.0, 3), (4, 37.0, 2)])
    assert _tick_labels(change) == ["-10", "0", "10", "20", "30", "40"]


def test_the_drawings_key_follows_the_values_not_the_objects(monkeypatch):
    """Keyed by content, a drawing is shared by the processes and redrawn when a value
    changes: equal visits built apart give the same key, one changed value another."""
    from types import SimpleNamespace

    from patients import views

    keys = []
    monkeypatch.setattr(
        views, "get_or_compute_kept", lambda key, compute, _: keys.append(key) or []
    )

    def visits(last_pain):
        return [
            SimpleNamespace(
                visit_date=date(2026, 1, 5) + timedelta(weeks=w), nprs_morning_baseline=3,
                nprs_24h_after_hardest=3, nprs_exercise_max=last_pain if w == 2 else 4,
                nprs_adl_typical_7d=2, sitting_tolerance_min=int(f"{30 + w}"), visah_total=40 + w,
            )
            for w in range(3)
        ]  # fmt: skip

    views.progress_charts(None, visits(4), [])
    views.progress_charts(None, visits(4), [])
    views.progress_charts(None, visits(5), [])
    assert keys[0] == keys[1] != keys[2]
