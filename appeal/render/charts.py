"""The ledger's stats as charts (matplotlib): inline SVG in one self-contained HTML page, or one PNG.

The page has no script, no web font and no link: it opens offline, and it holds aggregates only (payers,
reason codes, counts and dollars), never a patient's data. SVG text stays text (searchable, small) and the
SVG ids are salted with a constant, so the same ledger gives the same page.
"""

from __future__ import annotations

import html
import io

Series = dict[str, list[tuple[str, float]]]
COLOR = "#2f5d8a"
COLUMNS = (("appeals", "appeals"), ("sent", "sent"), ("decided", "decided"), ("overturned", "overturned"),
           ("overturn_rate", "overturn rate"), ("recovered", "recovered ($)"),
           ("median_days_to_decision", "median days to decision"))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "appeal-ledger", "font.size": 9})
    import matplotlib.pyplot as plt

    return plt


def _draw(ax, title: str, points: list[tuple[str, float]]) -> None:
    ax.set_title(title)
    if not points:
        ax.text(0.5, 0.5, "nothing decided yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    labels, values = [p[0] for p in points], [p[1] for p in points]
    bars = ax.bar(range(len(values)), values, color=COLOR)
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
    money = title.startswith("Dollars")
    ax.bar_label(bars, labels=[f"${v:,.2f}" if money else f"{v:g}%" for v in values], padding=2)
    ax.set_ylim(0, max(max(values) * 1.2, 1 if money else 100))
    ax.spines[["top", "right"]].set_visible(False)


def _svg(title: str, points: list[tuple[str, float]]) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    _draw(ax, title, points)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def charts_png(series: Series) -> bytes:
    """The three charts side by side, as one PNG."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(series), figsize=(5 * len(series), 3.6))
    for ax, (title, points) in zip(axes, series.items()):
        _draw(ax, title, points)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _cell(key: str, value) -> str:
    if value is None:
        return ""
    if key == "overturn_rate":
        return f"{value * 100:.1f}%"
    return html.escape(f"{value:g}" if isinstance(value, float) else str(value))


def stats_page(rows: list[dict], total: dict, by: str, series: Series) -> str:
    """One HTML page: the table (each group and the total), then the charts as inline SVG."""
    head = "".join(f"<th>{html.escape(t)}</th>" for t in (by, *(t for _, t in COLUMNS)))
    body = "".join("<tr><td>" + html.escape(str(r[by])) + "</td>"
                   + "".join(f"<td>{_cell(k, r[k])}</td>" for k, _ in COLUMNS)
                   + "</tr>" for r in rows)
    body += ("<tr class='total'><td>all</td>" + "".join(f"<td>{_cell(k, total[k])}</td>" for k, _ in COLUMNS)
             + "</tr>")
    charts = "".join(f"<figure>{_svg(title, points)}<figcaption>{html.escape(title)}</figcaption></figure>"
                     for title, points in series.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Appeal outcomes</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 2em; }}
th, td {{ border: 1px solid #bbb; padding: 0.3em 0.7em; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
tr.total td {{ font-weight: bold; }}
figure {{ display: inline-block; margin: 0 1em 1em 0; }}
figcaption {{ font-size: 0.85em; color: #555; }}
</style></head><body>
<h1>Appeal outcomes</h1>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
{charts}
</body></html>
"""
