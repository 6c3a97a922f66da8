"""Charts as inline SVG strings: horizontal bars and heatmaps, every text escaped."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from html import escape

FONT_SIZE = 12
ROW_HEIGHT = 20
BAR_HEIGHT = 14
EMPTY_CELL = "#f1f1f1"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # drawn after the bar
    colour: str
    tooltip: str = ""


def text_width(text: str, size: int = FONT_SIZE) -> float:
    """Approximate drawn width: wide (CJK) characters one em, others about half."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in text)


def mix(colour: str, weight: float) -> str:
    """``colour`` (#rrggbb) blended with white: weight 0 → white, 1 → the colour."""
    weight = min(max(weight, 0.0), 1.0)
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 + (c - 255) * weight):02x}" for c in channels)


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" dominant-baseline="central"{attribute}>'
        f"{escape(text)}</text>"
    )


def bar_chart(bars: list[Bar], label: str, maximum: float | None = None, bar_width: int = 220) -> str:
    """One horizontal bar per item, its label on the left and its text on the right."""
    maximum = maximum or max((bar.value for bar in bars), default=0) or 1
    label_width = max((text_width(bar.label) for bar in bars), default=0) + 8
    text_room = max((text_width(bar.text) for bar in bars), default=0) + 8
    width = label_width + bar_width + text_room
    body = []
    for row, bar in enumerate(bars):
        y = row * ROW_HEIGHT + ROW_HEIGHT / 2
        length = max(bar_width * bar.value / maximum, 1 if bar.value > 0 else 0)
        tooltip = f"<title>{escape(bar.tooltip)}</title>" if bar.tooltip else ""
        body.append(
            f'<g class="bar">{tooltip}{_text(label_width - 6, y, bar.label, "end")}'
            f'<rect x="{label_width:.1f}" y="{y - BAR_HEIGHT / 2:.1f}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT}" '
            f'fill="{bar.colour}" rx="2"/>{_text(label_width + length + 4, y, bar.text, css="value")}</g>'
        )
    return _svg(width, len(bars) * ROW_HEIGHT + 2, label, body)


@dataclass(frozen=True)
class Panel:
    """One heatmap panel: a title, its colour and a value with a tooltip per (row, column) cell."""

    title: str
    colour: str
    cells: dict[tuple[str, str], tuple[float, str]]


def heatmap(
    rows: list[str],
    columns: list[str],
    panels: list[Panel],
    label: str,
    cell_width: int = 38,
    cell_height: int = 20,
) -> str:
    """Panels side by side over the same rows and columns.

    A cell's shade is its value over the panel's maximum; a cell without a value is grey.
    """
    row_label_width = max((text_width(row) for row in rows), default=0) + 10
    panel_width = len(columns) * cell_width
    gap = 18
    top = 2 * ROW_HEIGHT
    width = row_label_width + len(panels) * (panel_width + gap)
    height = top + len(rows) * cell_height + 2
    body = [
        _text(row_label_width - 6, top + i * cell_height + cell_height / 2, row, "end")
        for i, row in enumerate(rows)
    ]
    for p, panel in enumerate(panels):
        left = row_label_width + p * (panel_width + gap)
        body.append(_text(left + panel_width / 2, ROW_HEIGHT / 2, panel.title, "middle", "panel-title"))
        for c, column in enumerate(columns):
            body.append(
                _text(left + c * cell_width + cell_width / 2, ROW_HEIGHT * 1.5, column, "middle", "axis")
            )
        top_value = max((value for value, _ in panel.cells.values()), default=0) or 1
        for r, row in enumerate(rows):
            for c, column in enumerate(columns):
                x, y = left + c * cell_width, top + r * cell_height
                cell = panel.cells.get((row, column))
                if cell is None:
                    body.append(
                        f'<rect x="{x}" y="{y}" width="{cell_width - 1}" height="{cell_height - 1}" '
                        f'fill="{EMPTY_CELL}"><title>{escape(f"{row} {column}: no document")}</title></rect>'
                    )
                    continue
                value, tooltip = cell
                weight = value / top_value
                css = "light" if weight > 0.6 else ""
                body.append(
                    f'<g class="cell"><title>{escape(tooltip)}</title>'
                    f'<rect x="{x}" y="{y}" width="{cell_width - 1}" height="{cell_height - 1}" '
                    f'fill="{mix(panel.colour, 0.08 + 0.92 * weight)}"/>'
                    f"{_text(x + cell_width / 2, y + cell_height / 2, f'{value:.0%}', 'middle', css)}"
                    "</g>"
                )
    return _svg(width, height, label, body)
