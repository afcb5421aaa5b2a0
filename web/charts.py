"""Charts drawn on the server as SVG (the pages run no script): bars for counts per day or per run, lines
for shares per run. Every value a chart shows is also in its elements' <title> (a tooltip, and what a
screen reader reads)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 160, 24
COLOURS = ("#b00020", "#1f5fa8", "#a15c00", "#176f2c", "#6a3d9a")


def _svg(label: str, body: list[str], kind: str) -> Markup:
    return Markup(
        f'<svg class="chart {kind}" role="img" aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH}" y2="{HEIGHT - PAD}" stroke="#999"/>'
        + "".join(body)
        + "</svg>"
    )


def bars(label: str, points: Sequence[tuple[str, float]], unit: str = "", colour: str = "#1f5fa8") -> Markup:
    """One bar a point (label, value), left to right, scaled to the largest value; the first and last
    labels and the largest value are written on the chart."""
    if not points:
        return _svg(label, [], "bars")
    largest = max(v for _, v in points)
    top = largest or 1
    slot = (WIDTH - PAD) / len(points)
    body = []
    for i, (name, value) in enumerate(points):
        height = (HEIGHT - 2 * PAD) * value / top
        x, y = PAD + i * slot, HEIGHT - PAD - height
        shown = f"{value:g}{unit}"
        body.append(
            f'<rect class="bar" x="{x + slot * 0.1:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(name)}: {escape(shown)}</title></rect>'
        )
    body.append(_text(PAD, HEIGHT - 6, points[0][0], "start"))
    body.append(_text(WIDTH, HEIGHT - 6, points[-1][0], "end"))
    body.append(_text(2, PAD - 8, f"max {largest:g}{unit}", "start"))
    return _svg(label, body, "bars")


def lines(label: str, names: list[str], series: dict[str, list[float | None]]) -> Markup:
    """One line a series over the same `names` (x), values from 0 to 1 (shares); a point for each value
    (None: no point), the series' names as a legend."""
    if not names:
        return _svg(label, [], "lines")
    step = (WIDTH - PAD) / max(len(names) - 1, 1)
    body = []
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        xy = [
            (PAD + i * step, HEIGHT - PAD - (HEIGHT - 2 * PAD) * v, v, names[i])
            for i, v in enumerate(values)
            if v is not None
        ]
        if len(xy) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in xy)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}"/>')
        body.extend(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
            f"<title>{escape(at)}: {escape(name)} {v:.0%}</title></circle>"
            for x, y, v, at in xy
        )
        body.append(_text(PAD + 8 + n * 130, 14, f"● {name}", "start", colour))
    body.append(_text(2, PAD, "100%", "start"))
    body.append(_text(2, HEIGHT - PAD, "0%", "start"))
    return _svg(label, body, "lines")


def _text(x: float, y: float, text: str, anchor: str, colour: str = "#555") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="{anchor}" fill="{colour}">'
        f"{escape(text)}</text>"
    )
