"""The report's pictures, made to live inside one HTML file: line charts and the
reliability diagram as inline SVG (text stays text, sharp at any zoom), images as PNG
data URIs. No plotting library: a few axes and polylines are all a report needs.
"""

from __future__ import annotations

import base64
import html
import io
import math

import numpy as np

WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 56, 42
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values covering ``[low, high]``."""
    if not math.isfinite(low) or not math.isfinite(high) or high <= low:
        high = low + 1.0
    step = 10 ** math.floor(math.log10((high - low) / count))
    for factor in (1, 2, 5, 10):
        if (high - low) / (step * factor) <= count:
            step *= factor
            break
    first = math.floor(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step) + 2)
            if first + i * step <= high + step * 1e-9]


def line_chart(series: list[tuple[str, list, list, bool]], x_label: str, y_label: str,
               title: str, y_range: tuple[float, float] | None = None) -> str:
    """An SVG chart of ``(name, xs, ys, dashed)`` lines, each its own colour and dash,
    markers on each point, a legend above the plot."""
    log_x = _spans_decades([x for _, sx, _, _ in series for x in sx])
    if log_x:  # a learning rate from 0.001 to 10: each decade as wide as the next
        series = [(n, [math.log10(x) for x in sx], sy, d) for n, sx, sy, d in series]
        x_label += " (log scale)"
    xs = [x for _, sx, _, _ in series for x in sx]
    ys = [y for _, _, sy, _ in series for y in sy if math.isfinite(y)]
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if x1 <= x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    y0, y1 = y_range or ((min(ys), max(ys)) if ys else (0.0, 1.0))
    if y1 <= y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    ticks = nice_ticks(y0, y1)
    y0, y1 = min(y0, ticks[0]), max(y1, ticks[-1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x, y):
        return (LEFT + (x - x0) / (x1 - x0) * plot_w, TOP + (1 - (y - y0) / (y1 - y0)) * plot_h)

    parts = [_frame(title, x_label, y_label)]
    for tick in ticks:
        _, y = px(x0, tick)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'class="grid"/><text x="{LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{tick:g}</text>')
    whole = log_x or all(float(x).is_integer() for x in xs)  # epochs: no tick at 1.5
    for tick in nice_ticks(x0, x1, 8):
        if x0 <= tick <= x1 and (not whole or float(tick).is_integer()):
            x, _ = px(tick, y0)
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                         f'text-anchor="middle">{10 ** tick if log_x else tick:g}</text>')
    for i, (name, sx, sy, dashed) in enumerate(series):
        color = COLORS[i % len(COLORS)]
        points = [px(x, y) for x, y in zip(sx, sy) if math.isfinite(y)]
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" '
                     f'stroke-width="2"{dash}/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{"white" if dashed else color}"'
                  f' stroke="{color}"/>' for x, y in points[:200]]
        row, place = divmod(i, 3)  # three a row: six names fit above the plot
        parts.append(f'<text x="{LEFT + 8 + 165 * place}" y="{TOP - 10 - 14 * (1 - row)}" '
                     f'fill="{color}">'
                     f'{"- -" if dashed else "—"} {html.escape(name)}</text>')
    return _svg(parts)


def _spans_decades(xs: list[float]) -> bool:
    return bool(xs) and min(xs) > 0 and max(xs) / min(xs) >= 20


def reliability_diagram(edges, accuracy, count, ece: float) -> str:
    """Accuracy per confidence bin as bars against the diagonal of perfect calibration."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [_frame(f"Reliability diagram: ECE {ece:.4f}", "confidence", "accuracy")]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = TOP + (1 - tick) * plot_h
        x = LEFT + tick * plot_w
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'class="grid"/><text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{tick:g}</text><text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                     f'text-anchor="middle">{tick:g}</text>')
    for low, high, acc, n in zip(edges[:-1], edges[1:], accuracy, count):
        if n == 0 or not math.isfinite(acc):
            continue
        x, width = LEFT + low * plot_w, (high - low) * plot_w
        y = TOP + (1 - acc) * plot_h
        parts.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{width - 2:.1f}" '
                     f'height="{TOP + plot_h - y:.1f}" fill="{COLORS[0]}" opacity="0.8">'
                     f'<title>{low:.1f}-{high:.1f}: accuracy {acc:.3f} of {n} images'
                     f'</title></rect>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP}" '
                 f'stroke="{COLORS[1]}" stroke-width="2" stroke-dasharray="6 4"/>')
    return _svg(parts)


def _frame(title: str, x_label: str, y_label: str) -> str:
    return (f'<text x="{WIDTH / 2}" y="14" text-anchor="middle" class="title">'
            f'{html.escape(title)}</text>'
            f'<text x="{WIDTH / 2}" y="{HEIGHT - 6}" text-anchor="middle">{x_label}</text>'
            f'<text x="14" y="{HEIGHT / 2}" text-anchor="middle" '
            f'transform="rotate(-90 14 {HEIGHT / 2})">{y_label}</text>'
            f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{HEIGHT - TOP - BOTTOM}" fill="none" class="axes"/>')


def _svg(parts: list[str]) -> str:
    return (f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="{WIDTH}" height="{HEIGHT}" role="img">' + "".join(parts) + "</svg>")


def png_uri(image: np.ndarray, scale: int = 1) -> str:
    """A grey ``(h, w)`` float image (scaled to its own range) or uint8 image as a PNG
    data URI, each pixel ``scale`` times as large."""
    from PIL import Image

    array = np.asarray(image)
    if array.dtype != np.uint8:
        low, high = float(np.nanmin(array)), float(np.nanmax(array))
        array = ((array - low) / (high - low if high > low else 1.0) * 255).astype(np.uint8)
    picture = Image.fromarray(array)
    if scale > 1:
        picture = picture.resize((array.shape[1] * scale, array.shape[0] * scale),
                                 Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def diverging_uri(template: np.ndarray, scale: int = 3) -> str:
    """A weight template in red (positive) and blue (negative), 0 white, as a PNG URI."""
    t = np.asarray(template, np.float64)
    bound = float(np.abs(t).max()) or 1.0
    v = t / bound
    rgb = np.empty(t.shape + (3,), np.uint8)
    rgb[..., 0] = np.clip(255 * (1 + np.minimum(v, 0)), 0, 255)
    rgb[..., 2] = np.clip(255 * (1 - np.maximum(v, 0)), 0, 255)
    rgb[..., 1] = np.clip(255 * (1 - np.abs(v)), 0, 255)
    return png_uri(rgb, scale)
