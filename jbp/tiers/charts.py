"""Small charts as inline SVG, so a report opens offline and prints the same in a PDF.

Every text drawn is escaped here (brand and category names come from partners' files).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
COLOURS = ("#2f6fb0", "#e08a1e", "#4a9d5b", "#b04a4a")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 520, 220, 70, 30, 16


def _svg(body: list[str], height: int = HEIGHT, label: str = "") -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '  # noqa: S704
                  f'height="{height}" font-family="{FONT}" font-size="11" role="img" aria-label="{escape(label)}">'
                  + "".join(body) + "</svg>")


def _nice_top(peak: float) -> float:
    """A round axis top at or above `peak`, at least 4 so that quarter ticks of counts are whole."""
    if peak <= 4:
        return 4.0
    step = 10 ** len(str(int(peak))) / 10
    for factor in (1, 2, 2.5, 5, 10):
        if peak <= step * factor:
            return step * factor
    return step * 10


def _axis(top: float, fmt: Callable[[float], str]) -> list[str]:
    plot = HEIGHT - BOTTOM - TOP
    parts = []
    for i in range(5):
        y = TOP + plot - plot * i / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{escape(fmt(top * i / 4))}'
                     "</text>")
    return parts


def bar_chart(labels: Sequence[str], values: Sequence[Decimal | None], targets: Sequence[Decimal | None],
              fmt: Callable[[float], str], title: str, target_label: str, empty_label: str) -> Markup:
    """Bars per period with a target tick where a target is set; a missing value is a labelled gap."""
    numbers = [float(v) for v in (*values, *targets) if v is not None]
    top = _nice_top(max(numbers, default=0))
    plot, slot = HEIGHT - BOTTOM - TOP, (WIDTH - LEFT - 10) / max(len(labels), 1)
    body = _axis(top, fmt) if numbers else []
    for i, (label, value, target) in enumerate(zip(labels, values, targets, strict=True)):
        x = LEFT + i * slot
        if value is None:
            body.append(f'<text x="{x + slot / 2:.1f}" y="{TOP + plot - 4:.1f}" text-anchor="middle" fill="#999">'
                        f"{escape(empty_label)}</text>")
        else:
            h = plot * float(value) / top
            body.append(f'<rect x="{x + slot * 0.2:.1f}" y="{TOP + plot - h:.1f}" width="{slot * 0.6:.1f}" '
                        f'height="{h:.1f}" fill="{COLOURS[0]}"><title>{escape(label)}: {escape(fmt(float(value)))}'
                        "</title></rect>")
        if target is not None:
            y = TOP + plot - plot * float(target) / top
            body.append(f'<line x1="{x + slot * 0.1:.1f}" y1="{y:.1f}" x2="{x + slot * 0.9:.1f}" y2="{y:.1f}" '
                        f'stroke="{COLOURS[3]}" stroke-width="2" stroke-dasharray="4 2"/>')
        body.append(f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle">{escape(label)}</text>')
    if any(t is not None for t in targets):
        body.append(f'<line x1="{WIDTH - 120}" y1="8" x2="{WIDTH - 100}" y2="8" stroke="{COLOURS[3]}" '
                    f'stroke-width="2" stroke-dasharray="4 2"/><text x="{WIDTH - 96}" y="12">{escape(target_label)}'
                    "</text>")
    return _svg(body, label=title)


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | int | None]]],
               fmt: Callable[[float], str], title: str, empty_label: str) -> Markup:
    """One line per series over the periods; points without a value break the line."""
    numbers = [float(v) for _, values in series for v in values if v is not None]
    top = _nice_top(max(numbers, default=0))
    plot, slot = HEIGHT - BOTTOM - TOP, (WIDTH - LEFT - 10) / max(len(labels), 1)
    body = _axis(top, fmt) if numbers else [
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#999">{escape(empty_label)}</text>']
    for i, label in enumerate(labels):
        body.append(f'<text x="{LEFT + i * slot + slot / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
                    f"{escape(label)}</text>")
    for number, (name, values) in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        points = [(LEFT + i * slot + slot / 2, TOP + plot - plot * float(v) / top) for i, v in enumerate(values)
                  if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
        body.append(f'<rect x="{LEFT + 10 + number * 130}" y="2" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{LEFT + 24 + number * 130}" y="11">{escape(name)}</text>')
    return _svg(body, label=title)


def hbar_chart(rows: Sequence[tuple[str, Decimal]], title: str) -> Markup:
    """Horizontal bars of percentages (0–100), one per row, worst first as given."""
    height = 14 + 20 * max(len(rows), 1)
    label_width, bar_width = 190, WIDTH - 190 - 60
    body = []
    for i, (label, share) in enumerate(rows):
        y = 6 + i * 20
        width = bar_width * max(min(float(share), 100.0), 0.0) / 100
        colour = COLOURS[2] if share >= 90 else COLOURS[1] if share >= 70 else COLOURS[3]
        body.append(f'<text x="{label_width - 6}" y="{y + 11}" text-anchor="end">{escape(label)}</text>'
                    f'<rect x="{label_width}" y="{y}" width="{bar_width}" height="14" fill="#eee"/>'
                    f'<rect x="{label_width}" y="{y}" width="{width:.1f}" height="14" fill="{colour}"/>'
                    f'<text x="{label_width + bar_width + 6}" y="{y + 11}">{float(share):.0f}%</text>')
    return _svg(body, height=height, label=title)
