"""Charts as server-side SVG (no script, no network): every bar is a link to the list behind it.

Text is escaped here (``esc``); the SVG is then trusted by the templates. Colours and fonts come
from classes styled in static/app.css.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape


def esc(text: object) -> str:
    return escape(str(text), {'"': "&quot;", "'": "&#39;"})


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    for step in (1, 2, 2.5, 5):
        for power in range(9):
            top = int(step * 10**power)
            if top >= value and top % 5 == 0:
                return top
    return value


@dataclass
class Series:
    label: str
    css: str
    values: list[int]
    links: list[str]


def grouped_bars(title: str, categories: list[str], series: list[Series], *, width: int = 640, height: int = 260) -> str:
    left, right, top, bottom = 44, 12, 34, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max([max(s.values or [0]) for s in series] + [0]))
    n = max(1, len(categories))
    group_w = plot_w / n
    bar_w = max(3.0, (group_w - 8) / max(1, len(series)))
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{esc(title)}" '
           f'xmlns="http://www.w3.org/2000/svg">', f"<title>{esc(title)}</title>"]
    for k in range(6):
        value = top_value * k / 5
        y = top + plot_h - plot_h * k / 5
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{int(value)}</text>')
    for i, name in enumerate(categories):
        gx = left + i * group_w + 4
        for j, s in enumerate(series):
            v = s.values[i] if i < len(s.values) else 0
            h = plot_h * v / top_value if top_value else 0
            x, y = gx + j * bar_w, top + plot_h - h
            tip = f"{name} {s.label}：{v}"
            out.append(f'<a href="{esc(s.links[i])}"><rect class="bar {esc(s.css)}" x="{x:.1f}" y="{y:.1f}" '
                       f'width="{bar_w - 1:.1f}" height="{max(h, 0.5):.1f}"><title>{esc(tip)}</title></rect>')
            if v:
                out.append(f'<text class="value" x="{x + (bar_w - 1) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{v}</text>')
            out.append("</a>")
        out.append(f'<text class="axis" x="{gx + group_w / 2 - 4:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{esc(name)}</text>')
    lx = left
    for s in series:
        out.append(f'<rect class="bar {esc(s.css)}" x="{lx}" y="8" width="12" height="12"/>')
        out.append(f'<text class="legend" x="{lx + 16}" y="19">{esc(s.label)}</text>')
        lx += 16 + 14 * len(s.label) + 24
    out.append("</svg>")
    return "".join(out)


def stacked_bar(title: str, parts: list[tuple[str, str, int, str]], *, width: int = 640, height: int = 120) -> str:
    """One horizontal bar split into parts (label, css, value, link), with a legend below."""
    left, right, top = 12, 12, 16
    bar_h = 36
    total = sum(v for _, _, v, _ in parts)
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{esc(title)}" '
           f'xmlns="http://www.w3.org/2000/svg">', f"<title>{esc(title)}</title>"]
    x = float(left)
    plot_w = width - left - right
    if total == 0:
        out.append(f'<rect class="empty" x="{left}" y="{top}" width="{plot_w}" height="{bar_h}"/>')
        out.append(f'<text class="axis" x="{width / 2}" y="{top + 23}" text-anchor="middle">暂无到期的整改</text>')
    for label, css, value, link in parts:
        if not value:
            continue
        w = plot_w * value / total
        pct = value * 100 / total
        out.append(f'<a href="{esc(link)}"><rect class="bar {esc(css)}" x="{x:.1f}" y="{top}" width="{w:.1f}" height="{bar_h}">'
                   f'<title>{esc(label)}：{value}（{pct:.1f}%）</title></rect>')
        if w > 48:
            out.append(f'<text class="inbar" x="{x + w / 2:.1f}" y="{top + 23}" text-anchor="middle">{pct:.0f}%</text>')
        out.append("</a>")
        x += w
    lx = left
    for label, css, value, link in parts:
        text = f"{label} {value}"
        out.append(f'<a href="{esc(link)}"><rect class="bar {esc(css)}" x="{lx}" y="{top + bar_h + 18}" width="12" height="12"/>'
                   f'<text class="legend" x="{lx + 16}" y="{top + bar_h + 29}">{esc(text)}</text></a>')
        lx += 16 + 14 * len(label) + 8 * len(str(value)) + 30
    out.append("</svg>")
    return "".join(out)


def coverage_bars(title: str, rows: list[tuple[str, int, int, str]], *, width: int = 640) -> str:
    """Per township (label, total, covered, link): a grey bar of the total, a filled part covered."""
    label_w, right, row_h, top = 120, 110, 26, 8
    height = top + max(1, len(rows)) * row_h + 8
    plot_w = width - label_w - right
    biggest = max([t for _, t, _, _ in rows] + [1])
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{esc(title)}" '
           f'xmlns="http://www.w3.org/2000/svg">', f"<title>{esc(title)}</title>"]
    if not rows:
        out.append(f'<text class="axis" x="{width / 2}" y="{top + 16}" text-anchor="middle">暂无“两重点一重大”企业</text>')
    for i, (label, total, covered, link) in enumerate(rows):
        y = top + i * row_h
        w_total = plot_w * total / biggest
        w_cov = plot_w * covered / biggest
        pct = covered * 100 / total if total else 0
        out.append(f'<a href="{esc(link)}">')
        out.append(f'<text class="axis" x="{label_w - 8}" y="{y + 16}" text-anchor="end">{esc(label)}</text>')
        out.append(f'<rect class="bar total" x="{label_w}" y="{y + 3}" width="{w_total:.1f}" height="{row_h - 8}"/>')
        out.append(f'<rect class="bar covered" x="{label_w}" y="{y + 3}" width="{max(w_cov, 0):.1f}" height="{row_h - 8}">'
                   f'<title>{esc(label)}：{covered}/{total}（{pct:.0f}%）</title></rect>')
        out.append(f'<text class="value" x="{label_w + w_total + 6:.1f}" y="{y + 16}">{covered}/{total}（{pct:.0f}%）</text>')
        out.append("</a>")
    out.append("</svg>")
    return "".join(out)
