"""Progress charts (patients/charts.py): what a reader sees on the axes."""

import hashlib
import itertools
import re
from datetime import date, timedelta
from pathlib import Path

from django.template.loader import render_to_string

from patients.charts import X_LABEL_GAP, Chart, Series, StageBand


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
    assert ticks[0]["label"] == "01 Sep" and ticks[-1]["label"] == "24 Nov"  # first and latest
    assert len(ticks) >= 5


def test_a_single_visit_has_its_one_label():
    ticks = _chart([(date(2026, 11, 2), 4)]).svg_context()["x_ticks"]
    assert [t["label"] for t in ticks] == ["02 Nov"]


def test_cached_drawings_are_keyed_by_the_code_and_template_that_draw_them(monkeypatch):
    from django.conf import settings

    from patients import charts, views

    drawn_by = (settings.BASE_DIR / "templates" / "charts" / "line.svg").read_bytes()
    drawn_by += Path(charts.__file__).read_bytes()
    version = hashlib.sha256(drawn_by).hexdigest()[:12]
    keys = []
    monkeypatch.setattr(views, "get_or_compute", lambda key, compute, _: keys.append(key) or [])
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
