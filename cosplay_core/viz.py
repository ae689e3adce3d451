"""Plotly figures of a run, shared by the Streamlit app and notebooks. Each function returns a `go.Figure`.

- `matrix_figure`: the execution matrix (codes x UTs) as square markers, one trace per outcome category, with
  marginal pass-count bars, ground-truth marks and the step's changes outlined;
- `pass_histograms`: pass-count distributions of codes and UTs, one trace per round;
- `signature_figure` and `cluster_figure`: stage 3's output signatures and clusters;
- `round_metrics_figure`: ground-truth metrics per round;
- `selectors_figure`: accuracy per selector of a `cosplay bench` result.

The matrix is drawn with `go.Scatter(mode="markers", marker_symbol="square")` rather than a heatmap because
selection events (a click on a cell) are reported for scatter points, not for heatmaps; every cell point carries
`customdata=[code_id, test_id]` (signature cells carry `[code_id, input_index]`). Everything the figures show is
computed in `insights`; this module only draws.
"""

from __future__ import annotations

from typing import Any, Sequence

import pandas  # noqa: F401  before plotly: plotly reads `sys.modules["pandas"]` without importing it, and would see
import plotly.graph_objects as go  # a half-initialised module while another thread imports pandas (the app warms up)
from plotly.subplots import make_subplots

from cosplay_core import insights
from cosplay_core.insights import OUTCOME_CATEGORIES, cell_category, preview
from cosplay_core.records import BenchResult
from cosplay_core.state import Selection, Snapshot

TEMPLATE = "plotly_white"

OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7", "black": "#000000"}
"""Okabe and Ito's palette: eight colours told apart with every common form of colour blindness."""

OUTCOME_COLOURS = {
    "pass": OKABE_ITO["blue"],
    "wrong answer": OKABE_ITO["orange"],
    "error": OKABE_ITO["vermillion"],
    "timeout": OKABE_ITO["reddish purple"],
    "limit": "#8C8C8C",  # grey: rare (memory or output limit); black is kept for coupling outlines
}
"""The one colour of each outcome category, everywhere in the app (matrix, Problems page, legends): Okabe-Ito, so
that pass, wrong answer, error and timeout stay apart for colour-blind readers; blue/orange for pass/wrong answer,
the most common pair, is the safest contrast."""

OUTCOME_SYMBOLS = {"pass": "✓", "wrong answer": "✗", "error": "!", "timeout": "⏱", "limit": "▣"}
"""A text mark per outcome category, for tables where colour must not be the only cue."""

GT_COLOURS = {True: "#4a5568", False: "#4a5568", None: "#b8bec8"}
"""Ground truth is shown by shape (✓ / ✗ marks, solid or hatched bars), never by a second use of outcome colours."""
COUPLING_COLOUR = "#111111"
CHANGE_COLOUR = "#c2188b"
BAR_COLOUR = "#8a94a6"
ERR_COLOUR = "#b8bec8"
WINNER_COLOUR = "#e8a33d"
OTHER_COLOUR = "#9aa5b1"
# Output-value colours in the signature matrix: the most common output on an input first.
VALUE_COLOURS = ("#4a78c2", "#e07b00", "#2e9e5b", "#c2408f", "#17a2b8", "#8c6d31", "#7f7fff", "#d64541",
                 "#5d8a1f", "#a05195")
RARE_COLOUR = "#444444"
SELF_PLAY_SELECTORS = ("cosplay", "cosplay_bon")

_CHECK, _CROSS = "✓", "✗"
_MARGIN = {"l": 96, "r": 24, "t": 80, "b": 120}


# -- helpers -------------------------------------------------------------------------------------------------------

def _message_figure(title: str, message: str, height: int = 320) -> go.Figure:
    """An empty figure that explains why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 15, "color": "#4a5568"}, align="center")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin={"l": 30, "r": 30, "t": 70, "b": 30})
    return fig


def _mark(flag: bool | None) -> str:
    if flag is None:
        return ""
    return f"<b>{_CHECK if flag else _CROSS}</b> "


def _gt_pattern(flag: bool | None) -> str:
    """A GT-wrong code's or UT's bar is hatched, a GT-correct one solid: a shape, not a colour, says which."""
    return "/" if flag is False else ""


def _gt(snapshot: Snapshot) -> tuple[list[bool] | None, list[bool] | None]:
    marks = insights.gt_marks(snapshot)
    if marks is None:
        return None, None
    return marks


def _cell_px(rows: int, cols: int) -> int:
    return int(min(44, max(14, 560 // max(rows, cols, 1))))


def _legend_only(name: str, symbol: str, colour: str, line_width: float = 0) -> go.Scatter:
    """A trace with no point that only adds a legend entry (for outlines and frames)."""
    return go.Scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip", showlegend=True,
                      marker={"symbol": symbol, "size": 14, "color": colour,
                              "line": {"width": line_width, "color": colour}})


# -- the execution matrix ------------------------------------------------------------------------------------------

def matrix_figure(snapshot: Snapshot, show_gt: bool = False, sort: bool = True, highlight: bool = True,
                  cell_px: int | None = None) -> go.Figure:
    """The execution matrix of one snapshot: rows are codes, columns are UTs, one square marker per cell coloured by
    its outcome category (one trace per category present, in `OUTCOME_CATEGORIES` order), with pCode bars on the
    right and pUT bars on top.

    `sort` orders rows and columns by pass counts (`insights.sorted_order`); `show_gt` marks GT-correct codes and
    UTs (a check or a cross in the axis labels, marginal bars coloured by correctness) and outlines the cells of
    spurious couplings; `highlight` frames the rows and columns the step changed. Every cell point has
    `customdata=[code_id, test_id]`; codes and UTs are labelled with their versions ("code 3.2": slot 3 after two
    replacements or repairs), so that a slot's history stays readable. The figure has a fixed size with square cells of `cell_px` pixels (chosen from
    the pool sizes by default). An empty matrix (early stage 1) gives a figure that says why.
    """
    head = f"Step {snapshot.step} · {snapshot.title}"
    n_codes, n_tests = len(snapshot.codes), len(snapshot.tests)
    if not n_codes or not n_tests or not snapshot.cells:
        if not n_codes:
            why = "No code and no UT yet: stage 1 writes the code pool and then the UT pool."
        else:
            why = (f"{n_codes} code{'s' if n_codes != 1 else ''} written, no UT yet: "
                   "the matrix appears once the UT pool is built.")
        return _message_figure(head, why)

    rows, cols = insights.sorted_order(snapshot) if sort else (list(range(n_codes)), list(range(n_tests)))
    row_at = {i: r for r, i in enumerate(rows)}  # code position -> y
    col_at = {j: c for c, j in enumerate(cols)}  # test position -> x
    code_counts, test_counts = snapshot.code_pass_counts, snapshot.test_pass_counts
    gt_codes, gt_tests = _gt(snapshot) if show_gt else (None, None)
    couplings = insights.snapshot_couplings(snapshot) if show_gt else {}
    coupled_cells = {(code_id, test_id) for test_id, code_ids in couplings.items() for code_id in code_ids}
    changed = insights.step_changes(snapshot) if highlight else {"codes": set(), "tests": set()}

    cell = cell_px or _cell_px(n_codes, n_tests)
    bar_px, gap_px = 90, 8
    plot_w, plot_h = n_tests * cell + gap_px + bar_px, n_codes * cell + gap_px + bar_px
    fig = make_subplots(rows=2, cols=2, shared_xaxes="columns", shared_yaxes="rows",
                        column_widths=[n_tests * cell, bar_px], row_heights=[bar_px, n_codes * cell],
                        horizontal_spacing=gap_px / plot_w, vertical_spacing=gap_px / plot_h,
                        specs=[[{}, None], [{}, {}]])
    # One trace per outcome category present; plain arrays, one white outline for all (per-point styles cost
    # plotly seconds on a 64 x 64 matrix), spurious couplings outlined by a trace of their own on top.
    points: dict[str, dict[str, list]] = {c: {"x": [], "y": [], "customdata": [], "text": []}
                                          for c in OUTCOME_CATEGORIES}
    coupled_points: dict[str, list] = {"x": [], "y": [], "customdata": []}
    for i, code in enumerate(snapshot.codes):
        for j, test in enumerate(snapshot.tests):
            c = snapshot.cells[i][j]
            category = cell_category(c)
            coupled = (code.id, test.id) in coupled_cells
            p = points[category]
            p["x"].append(col_at[j])
            p["y"].append(row_at[i])
            p["customdata"].append([code.id, test.id])
            p["text"].append(_cell_hover(snapshot, i, j, category, gt_codes, gt_tests, coupled))
            if coupled:
                coupled_points["x"].append(col_at[j])
                coupled_points["y"].append(row_at[i])
                coupled_points["customdata"].append([code.id, test.id])
    size = max(6, cell - 3)
    for category in OUTCOME_CATEGORIES:
        p = points[category]
        if not p["x"]:
            continue
        fig.add_trace(go.Scatter(
            x=p["x"], y=p["y"], customdata=p["customdata"], text=p["text"],
            mode="markers", name=category, hovertemplate="%{text}<extra></extra>",
            meta={"kind": "cells", "category": category},
            marker={"symbol": "square", "size": size, "color": OUTCOME_COLOURS[category],
                    "line": {"color": "white", "width": 1}}), row=2, col=1)
    if coupled_points["x"]:
        fig.add_trace(go.Scatter(
            x=coupled_points["x"], y=coupled_points["y"], customdata=coupled_points["customdata"], mode="markers", name="spurious coupling (outlined)",
            hoverinfo="skip", meta={"kind": "couplings"},
            marker={"symbol": "square-open", "size": size, "color": COUPLING_COLOUR,
                    "line": {"color": COUPLING_COLOUR, "width": 3}}), row=2, col=1)

    # Marginal bars: pUT on top, pCode on the right.
    test_bar_colours = [GT_COLOURS[gt_tests[j]] if gt_tests is not None else BAR_COLOUR for j in cols]
    code_bar_colours = [GT_COLOURS[gt_codes[i]] if gt_codes is not None else BAR_COLOUR for i in rows]
    test_patterns = [_gt_pattern(gt_tests[j] if gt_tests is not None else None) for j in cols]
    code_patterns = [_gt_pattern(gt_codes[i] if gt_codes is not None else None) for i in rows]
    fig.add_trace(go.Bar(
        x=list(range(n_tests)), y=[int(test_counts[j]) for j in cols], name="pUT", showlegend=False,
        marker={"color": test_bar_colours, "pattern": {"shape": test_patterns}},
        customdata=[[snapshot.tests[j].id] for j in cols],
        hovertemplate="UT %{customdata[0]}: passed by %{y} of " + str(n_codes) + " codes<extra></extra>",
        meta={"kind": "pUT"}), row=1, col=1)
    fig.add_trace(go.Bar(
        x=[int(code_counts[i]) for i in rows], y=list(range(n_codes)), orientation="h", name="pCode",
        showlegend=False, marker={"color": code_bar_colours, "pattern": {"shape": code_patterns}},
        customdata=[[snapshot.codes[i].id] for i in rows],
        hovertemplate="code %{customdata[0]}: passes %{x} of " + str(n_tests) + " UTs<extra></extra>",
        meta={"kind": "pCode"}), row=2, col=2)

    # Axes: codes top to bottom, UTs left to right, labels with GT marks.
    y_text = [_mark(gt_codes[i] if gt_codes is not None else None)
              + _bold(insights.code_label(snapshot.codes[i]), snapshot.codes[i].id in changed["codes"]) for i in rows]
    x_text = [_mark(gt_tests[j] if gt_tests is not None else None)
              + _bold(insights.test_label(snapshot.tests[j]), snapshot.tests[j].id in changed["tests"]) for j in cols]
    fig.update_xaxes(range=[-0.5, n_tests - 0.5], tickvals=list(range(n_tests)), ticktext=x_text, tickangle=-90,
                     showgrid=False, zeroline=False, row=2, col=1)
    fig.update_yaxes(range=[n_codes - 0.5, -0.5], tickvals=list(range(n_codes)), ticktext=y_text, showgrid=False,
                     zeroline=False, row=2, col=1)
    fig.update_xaxes(showticklabels=False, showgrid=False, row=1, col=1)
    fig.update_yaxes(range=[0, n_codes], title_text="pUT", nticks=3, row=1, col=1)
    fig.update_xaxes(range=[0, n_tests], title_text="pCode", nticks=3, row=2, col=2)
    fig.update_yaxes(showticklabels=False, showgrid=False, row=2, col=2)

    # Frames around what the step changed.
    frames = 0
    for i in rows:
        if snapshot.codes[i].id in changed["codes"]:
            y = row_at[i]
            fig.add_shape(type="rect", x0=-0.5, x1=n_tests - 0.5, y0=y - 0.46, y1=y + 0.46, row=2, col=1,
                          line={"color": CHANGE_COLOUR, "width": 3, "dash": "dash"}, fillcolor="rgba(0,0,0,0)")
            frames += 1
    for j in cols:
        if snapshot.tests[j].id in changed["tests"]:
            x = col_at[j]
            fig.add_shape(type="rect", x0=x - 0.46, x1=x + 0.46, y0=-0.5, y1=n_codes - 0.5, row=2, col=1,
                          line={"color": CHANGE_COLOUR, "width": 3, "dash": "dash"}, fillcolor="rgba(0,0,0,0)")
            frames += 1
    if frames:
        fig.add_trace(_legend_only("changed by this step (framed)", "square-open", CHANGE_COLOUR, 2))

    notes = [f"{n_codes} codes × {n_tests} UTs"]
    if sort:
        notes.append("sorted by pass counts")
    if show_gt:
        notes.append("ground truth marked ✓/✗" if gt_codes is not None else "no ground truth")
    fig.update_layout(
        template=TEMPLATE, title={"text": f"{head}<br><sup>{' · '.join(notes)}</sup>", "x": 0.01},
        width=_MARGIN["l"] + _MARGIN["r"] + plot_w, height=_MARGIN["t"] + _MARGIN["b"] + plot_h,
        margin=_MARGIN, bargap=0.15, hovermode="closest", clickmode="event+select",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "bottom", "yref": "container",
})
    return fig


def _bold(text: str, on: bool) -> str:
    return f"<b>{text}</b>" if on else text


def _cell_hover(snapshot: Snapshot, i: int, j: int, category: str, gt_codes: list[bool] | None,
                gt_tests: list[bool] | None, coupled: bool) -> str:
    code, test, cell = snapshot.codes[i], snapshot.tests[j], snapshot.cells[i][j]
    lines = [f"<b>{insights.code_label(code)}</b> × <b>{insights.test_label(test)}</b> (slot.version)",
             f"{category} ({cell.status}, {cell.time_s * 1000:.0f} ms)",
             f"input: {_esc(preview(test.input))}",
             f"expected: {_esc(preview(test.expected))}",
             f"output: {_esc(preview(cell.output))}"]
    if cell.stderr.strip():
        lines.append(f"stderr: {_esc(preview(cell.stderr.strip().splitlines()[-1]))}")
    if gt_codes is not None:
        code_word = "GT-correct" if gt_codes[i] else "GT-wrong"
        test_word = "" if gt_tests is None else (", UT GT-correct" if gt_tests[j] else ", UT GT-wrong")
        lines.append(f"code {code_word}{test_word}")
    if coupled:
        lines.append("<b>spurious coupling</b>: a wrong code passes a wrong UT that no correct code passes")
    return "<br>".join(lines)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- rounds --------------------------------------------------------------------------------------------------------

def _round_colours(n: int) -> list[str]:
    """Grey for the initial pools, then light to dark blue for rounds 1..n-1."""
    if n <= 1:
        return ["#8a94a6"][:n]
    colours = ["#8a94a6"]
    for k in range(1, n):
        t = k / (n - 1)
        r, g, b = (int(a + (z - a) * t) for a, z in zip((158, 202, 225), (8, 48, 107)))
        colours.append(f"rgb({r},{g},{b})")
    return colours


def pass_histograms(snapshots: Sequence[Snapshot]) -> go.Figure:
    """Pass-count distributions per round: how many codes pass k UTs (left) and how many UTs are passed by k codes
    (right), one bar trace per round and panel ("initial" for the stage-1 pools, then "round 1", ...), taken from
    the snapshot that ends each round (`insights.round_ends`). Each round's two traces share a legend entry."""
    ends = insights.round_ends(snapshots)
    title = "Pass counts per round"
    if not ends:
        return _message_figure(title, "No execution matrix yet: pass counts appear once stage 1 has built both pools.")
    n_codes = max(len(s.codes) for _, s in ends)
    n_tests = max(len(s.tests) for _, s in ends)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("pCode: UTs passed by each code", "pUT: codes passing each UT"))
    for (label, snapshot), colour in zip(ends, _round_colours(len(ends))):
        for col, values, top, unit in ((1, snapshot.code_pass_counts, n_tests, "codes"),
                                       (2, snapshot.test_pass_counts, n_codes, "UTs")):
            counts = [0] * (top + 1)
            for v in values:
                counts[min(int(v), top)] += 1
            fig.add_trace(go.Bar(
                x=list(range(top + 1)), y=counts, name=label, legendgroup=label, showlegend=col == 1,
                marker={"color": colour}, meta={"round": label, "panel": "pCode" if col == 1 else "pUT",
                                                "step": snapshot.step},
                hovertemplate=f"{label} (step {snapshot.step}): %{{y}} {unit} at %{{x}}<extra></extra>"),
                row=1, col=col)
    fig.update_xaxes(title_text="UTs passed", dtick=1 if n_tests <= 20 else None, row=1, col=1)
    fig.update_xaxes(title_text="codes passing", dtick=1 if n_codes <= 20 else None, row=1, col=2)
    fig.update_yaxes(title_text="codes", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="UTs", rangemode="tozero", row=1, col=2)
    fig.update_layout(template=TEMPLATE, title=title, barmode="group", bargap=0.2, bargroupgap=0.05, height=420,
                      legend={"title": {"text": "pools at the end of"}})
    return fig


def round_metrics_figure(summary: dict) -> go.Figure:
    """Ground-truth metrics per self-play round of a run's summary: pool pass rate, pass-count AUC and UT accuracy
    (top, as shares), wrong UTs and spurious couplings (bottom, as counts). Without ground truth, a figure that says
    so."""
    rows = insights.round_table(summary)
    title = "Ground-truth metrics per round"
    if not rows or not any("pool_pass_rate" in r for r in rows):
        return _message_figure(title, "No ground-truth metrics: this run has no hidden tests to score against."
                               if rows else "No self-play round has finished yet.")
    rounds = [r["round"] for r in rows]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=("shares", "counts"))
    for key, name, colour in (("pool_pass_rate", "pool pass rate", OKABE_ITO["bluish green"]),
                              ("pass_count_auc", "pass-count AUC", OKABE_ITO["blue"]),
                              ("ut_accuracy", "UT accuracy", OKABE_ITO["reddish purple"])):
        fig.add_trace(go.Scatter(x=rounds, y=[r.get(key) for r in rows], name=name, mode="lines+markers",
                                 line={"color": colour}, meta={"metric": key}, connectgaps=False,
                                 hovertemplate=f"round %{{x}}: {name} %{{y:.2f}}<extra></extra>"), row=1, col=1)
    for key, name, colour in (("wrong_uts", "wrong UTs", OKABE_ITO["vermillion"]),
                              ("spurious_couplings", "spurious couplings", "#111111")):
        fig.add_trace(go.Scatter(x=rounds, y=[r.get(key) for r in rows], name=name, mode="lines+markers",
                                 line={"color": colour, "dash": "dash" if key == "spurious_couplings" else None},
                                 meta={"metric": key},
                                 hovertemplate=f"round %{{x}}: %{{y}} {name}<extra></extra>"), row=2, col=1)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", row=1, col=1)
    top = max([r.get(k) or 0 for r in rows for k in ("wrong_uts", "spurious_couplings")] + [1])
    fig.update_yaxes(range=[-0.05 * top, top * 1.1], dtick=1 if top <= 10 else None, row=2, col=1)
    fig.update_xaxes(title_text="round", dtick=1, row=2, col=1)
    fig.update_layout(template=TEMPLATE, title=title, height=480, legend={"traceorder": "normal"})
    return fig


# -- stage 3 -------------------------------------------------------------------------------------------------------

def _cluster_letter(index: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters[index] if index < len(letters) else f"#{index + 1}"


def _winning_cluster(selection: Selection) -> int | None:
    for index, cluster in enumerate(selection.clusters):
        if selection.code_id in cluster:
            return index
    return None


def signature_figure(selection: Selection | None) -> go.Figure:
    """Stage 3's signature matrix: the tied codes (rows, grouped by cluster, the winning cluster first and framed,
    the chosen code starred) by the random inputs (columns). On each input, cells with the same output have the
    same colour (the most common output first in the legend); failed runs (ERR) are grey. Every cell point has
    `customdata=[code_id, input_index]`."""
    title = "Output signatures of the tied codes"
    if selection is None:
        return _message_figure(title, "No selection yet: stage 3 runs the tied codes on random inputs.")
    codes = [c for c in selection.tied if c in selection.signatures]
    width = max((len(selection.signatures[c]) for c in codes), default=0)
    if not codes or width == 0:
        if len(selection.tied) == 1:
            why = f"Code {selection.code_id} alone has the top pass count: no clustering was needed."
        elif not selection.clusters:
            why = f"{len(selection.tied)} codes tie at the top, but clustering is off: the lowest id was chosen."
        else:
            why = "No random input was run: nothing tells the tied codes apart."
        return _message_figure(title, why)

    winner = _winning_cluster(selection)
    clusters = [list(c) for c in selection.clusters] or [codes]
    order = sorted(range(len(clusters)), key=lambda k: (k != winner, -len(clusters[k]), k))
    placed = {c for cluster in clusters for c in cluster}
    rows: list[tuple[int, int]] = []  # (code id, cluster index)
    for k in order:
        members = sorted(c for c in clusters[k] if c in selection.signatures)
        members.sort(key=lambda c: c != selection.code_id)
        rows.extend((c, k) for c in members)
    rows.extend((c, -1) for c in codes if c not in placed)

    # Rank each input's distinct outputs by how many tied codes produce them (ties: first seen).
    ranks: list[dict[str, int]] = []
    for x in range(width):
        tally: dict[str, int] = {}
        for code_id, _ in rows:
            sig = selection.signatures[code_id]
            value = sig[x] if x < len(sig) else None
            if value is not None:
                tally[value] = tally.get(value, 0) + 1
        ordered = sorted(tally, key=lambda v: -tally[v])
        ranks.append({v: r for r, v in enumerate(ordered)})

    groups: dict[str, dict[str, list]] = {}
    colours: dict[str, str] = {}
    names: list[str] = []
    for y, (code_id, k) in enumerate(rows):
        sig = selection.signatures[code_id]
        for x in range(width):
            value = sig[x] if x < len(sig) else None
            if value is None:
                name, colour = "ERR (failed run)", ERR_COLOUR
            else:
                rank = ranks[x][value]
                name = _rank_name(rank)
                colour = VALUE_COLOURS[rank] if rank < len(VALUE_COLOURS) else RARE_COLOUR
            if name not in groups:
                groups[name] = {"x": [], "y": [], "customdata": [], "text": []}
                colours[name] = colour
                names.append(name)
            g = groups[name]
            g["x"].append(x)
            g["y"].append(y)
            g["customdata"].append([code_id, x])
            g["text"].append(f"<b>code {code_id}</b> on input {x + 1}: {_esc(preview(_input_at(selection, x)))}"
                             f"<br>output: {_esc(preview(value)) if value is not None else 'ERR (failed run)'}"
                             f"<br>cluster {_cluster_letter(k) if k >= 0 else '—'}")

    cell = _cell_px(len(rows), width)
    fig = go.Figure()
    for name in sorted(names, key=_rank_key):
        g = groups[name]
        fig.add_trace(go.Scatter(x=g["x"], y=g["y"], customdata=g["customdata"], text=g["text"], mode="markers",
                                 name=name, hovertemplate="%{text}<extra></extra>", meta={"kind": "signature"},
                                 marker={"symbol": "square", "size": max(6, cell - 3), "color": colours[name],
                                         "line": {"color": "white", "width": 1}}))
    # Cluster separators and the winner's frame.
    start = 0
    for k in order:
        size = sum(1 for _, kk in rows if kk == k)
        if size == 0:
            continue
        if k == winner:
            fig.add_shape(type="rect", x0=-0.5, x1=width - 0.5, y0=start - 0.5, y1=start + size - 0.5,
                          line={"color": WINNER_COLOUR, "width": 3}, fillcolor="rgba(0,0,0,0)")
        elif start:
            fig.add_shape(type="line", x0=-0.5, x1=width - 0.5, y0=start - 0.5, y1=start - 0.5,
                          line={"color": "#4a5568", "width": 2})
        start += size
    labels = [f"{'★ ' if code_id == selection.code_id else ''}{_cluster_letter(k) if k >= 0 else '—'} "
              f"· code {code_id}" for code_id, k in rows]
    fig.update_xaxes(range=[-0.5, width - 0.5], tickvals=list(range(width)),
                     ticktext=[f"in {x + 1}" for x in range(width)], tickangle=-90, showgrid=False, zeroline=False,
                     title_text="random inputs")
    fig.update_yaxes(range=[len(rows) - 0.5, -0.5], tickvals=list(range(len(rows))), ticktext=labels,
                     showgrid=False, zeroline=False, title_text="tied codes (cluster · code)")
    fig.update_layout(
        template=TEMPLATE,
        title={"text": f"{title}<br><sup>same colour on an input = same output · ★ chosen code {selection.code_id}"
                       f" · framed: its cluster</sup>", "x": 0.01},
        width=130 + 200 + width * cell, height=90 + 70 + len(rows) * cell,
        margin={"l": 130, "r": 200, "t": 90, "b": 70}, hovermode="closest",
        legend={"title": {"text": "output on that input"}})
    return fig


def _rank_name(rank: int) -> str:
    if rank >= len(VALUE_COLOURS):
        return "a rarer output"
    if rank == 0:
        return "most common output"
    return f"{_ordinal(rank + 1)} most common"


def _rank_key(name: str) -> tuple[int, str]:
    if name == "most common output":
        return (0, "")
    if name.endswith("most common"):
        return (int("".join(ch for ch in name if ch.isdigit())), "")
    return (100 if name == "a rarer output" else 101, name)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _input_at(selection: Selection, x: int) -> Any:
    return selection.inputs[x] if x < len(selection.inputs) else None


def cluster_figure(selection: Selection | None) -> go.Figure:
    """The clusters of stage 3 as bars of their sizes (letters as in `signature_figure`), the chosen code's cluster
    highlighted."""
    title = "Clusters of the tied codes"
    if selection is None:
        return _message_figure(title, "No selection yet.")
    if len(selection.tied) == 1:
        return _message_figure(title, f"Code {selection.code_id} alone has the top pass count: "
                                      "no clustering was needed.")
    if not selection.clusters:
        return _message_figure(title, f"{len(selection.tied)} codes tie at the top, but clustering is off: "
                                      f"code {selection.code_id}, the lowest id, was chosen.")
    winner = _winning_cluster(selection)
    labels, sizes, colours, hover = [], [], [], []
    for k, cluster in enumerate(selection.clusters):
        members = "{" + ", ".join(str(c) for c in cluster) + "}"
        labels.append(f"{_cluster_letter(k)} {members if len(members) <= 24 else ''}"
                      f"{' (chosen)' if k == winner else ''}".replace("  ", " "))
        sizes.append(len(cluster))
        colours.append(WINNER_COLOUR if k == winner else OTHER_COLOUR)
        hover.append(f"cluster {_cluster_letter(k)}: codes {', '.join(str(c) for c in cluster)}")
    fig = go.Figure(go.Bar(x=labels, y=sizes, marker={"color": colours}, text=sizes, textposition="outside",
                           customdata=[[k] for k in range(len(selection.clusters))], hovertext=hover,
                           hovertemplate="%{hovertext}<extra></extra>", name="cluster size", showlegend=False))
    fig.update_yaxes(title_text="codes", rangemode="tozero", dtick=1 if max(sizes) <= 12 else None,
                     range=[0, max(sizes) * 1.2 + 0.5])
    fig.update_xaxes(title_text="cluster")
    fig.update_layout(template=TEMPLATE, height=340,
                      title={"text": f"{title}<br><sup>{len(selection.tied)} tied codes, {len(selection.clusters)} "
                                     f"cluster{'s' if len(selection.clusters) != 1 else ''}; chosen: code "
                                     f"{selection.code_id}</sup>", "x": 0.01})
    return fig


# -- benchmarks ----------------------------------------------------------------------------------------------------

def selectors_figure(bench_result: BenchResult) -> go.Figure:
    """Accuracy (share of problems whose chosen code is GT-correct, mean over seeds) and UT accuracy per selector,
    from a bench result's own split, as horizontal bars; CoSPlay's own rows stand out."""
    from cosplay_core.selectors import LABELS

    selectors = bench_result.main.selectors
    title = "Accuracy per selector"
    if not selectors or all(row.accuracy.mean is None for row in selectors.values()):
        return _message_figure(title, "No accuracy to show: no problem with ground truth was scored.")
    names = list(selectors)
    labels = [LABELS.get(n, n) for n in names]
    acc = [selectors[n].accuracy.mean for n in names]
    ut = [selectors[n].ut_accuracy for n in names]
    problems = [selectors[n].problems for n in names]

    def text(values: list[float | None]) -> list[str]:
        return ["n/a" if v is None else f"{100 * v:.1f}%" for v in values]

    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=labels, x=[0 if v is None else v for v in acc], orientation="h", name="accuracy (chosen code correct)",
        text=text(acc), textposition="outside", customdata=[[n, p] for n, p in zip(names, problems)],
        marker={"color": [OKABE_ITO["bluish green"] if n in SELF_PLAY_SELECTORS else OKABE_ITO["blue"] for n in names]},
        hovertemplate="%{y}: %{text} over %{customdata[1]} problems<extra></extra>", meta={"metric": "bon"}))
    fig.add_trace(go.Bar(
        y=labels, x=[0 if v is None else v for v in ut], orientation="h", name="UT accuracy", text=text(ut),
        textposition="outside", marker={"color": "#b8c7e0"}, customdata=[[n, p] for n, p in zip(names, problems)],
        hovertemplate="%{y}: UT accuracy %{text}<extra></extra>", meta={"metric": "ut_accuracy"}))
    fig.update_xaxes(range=[0, 1.15], tickformat=".0%", title_text="share of problems")
    fig.update_yaxes(autorange="reversed")
    scored = bench_result.main.problems
    fig.update_layout(template=TEMPLATE, barmode="group", height=140 + 48 * len(names),
                      title={"text": f"{title}<br><sup>{scored} problem{'s' if scored != 1 else ''} with ground "
                                     "truth; baselines run on the stage-1 pools</sup>", "x": 0.01},
                      legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
                      margin={"l": 220, "r": 30, "t": 80, "b": 80})
    return fig


# -- comparing runs ------------------------------------------------------------------------------------------------

RUN_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
"""One colour per compared run (Okabe-Ito, distinct for colour-blind readers), in the order the runs are given."""
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "triangle-down")
"""One marker shape per compared run too, so that runs can be told apart without colour."""

_COMPARED_METRICS = (("pool_pass_rate", "pool pass rate", True), ("pass_count_auc", "pass-count AUC", True),
                     ("wrong_uts", "wrong UTs", False), ("spurious_couplings", "spurious couplings", False))


def compare_rounds_figure(runs: Sequence[tuple[str, dict]]) -> go.Figure:
    """Per-round ground-truth curves of several runs overlaid, one colour and marker per run: pool pass rate,
    pass-count AUC, wrong UTs and spurious couplings, each in a panel. `runs` holds (name, summary) pairs; a run
    without a summary (unfinished) is left out but keeps its colour slot, as in `compare_histograms_figure`."""
    title = "Ground-truth metrics per round, runs overlaid"
    tables = [(index, name, insights.round_table(summary)) for index, (name, summary) in enumerate(runs) if summary]
    if not any(any("pool_pass_rate" in r for r in rows) for _, _, rows in tables):
        return _message_figure(title, "No run here has ground-truth metrics per round (no hidden tests, or no "
                                      "self-play round finished).")
    fig = make_subplots(rows=2, cols=2, subplot_titles=[label for _, label, _ in _COMPARED_METRICS],
                        vertical_spacing=0.16, horizontal_spacing=0.08)
    for index, name, rows in tables:
        colour = RUN_COLOURS[index % len(RUN_COLOURS)]
        for panel, (key, label, share) in enumerate(_COMPARED_METRICS):
            fig.add_trace(go.Scatter(
                x=[r["round"] for r in rows], y=[r.get(key) for r in rows], mode="lines+markers", name=name,
                legendgroup=name, showlegend=panel == 0, line={"color": colour},
                marker={"symbol": SYMBOLS[index % len(SYMBOLS)], "size": 9}, meta={"run": name, "metric": key},
                hovertemplate=f"{name}<br>round %{{x}}: {label} %{{y}}<extra></extra>"),
                row=panel // 2 + 1, col=panel % 2 + 1)
            if share:
                fig.update_yaxes(range=[0, 1.05], tickformat=".0%", row=panel // 2 + 1, col=panel % 2 + 1)
    fig.update_xaxes(title_text="round", dtick=1)
    fig.update_layout(template=TEMPLATE, title=title, height=560, legend={"title": {"text": "run"}})
    return fig


def compare_histograms_figure(runs: Sequence[tuple[str, dict]]) -> go.Figure:
    """The pass-count distributions at the end of each run overlaid (grouped bars, one colour per run): how many
    codes pass k UTs, and how many UTs are passed by k codes. `runs` holds (name, summary) pairs."""
    title = "Pass counts at the end of each run"
    finals = [(index, name, ((summary or {}).get("rounds") or [None])[-1]) for index, (name, summary) in enumerate(runs)]
    finals = [(index, name, last) for index, name, last in finals if last is not None]
    if not finals:
        return _message_figure(title, "No run here finished a self-play round.")
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("pCode: UTs passed by each code", "pUT: codes passing each UT"))
    for index, name, last in finals:
        colour = RUN_COLOURS[index % len(RUN_COLOURS)]
        for col, values, unit in ((1, last.get("code_pass_counts") or [], "codes"),
                                  (2, last.get("ut_pass_counts") or [], "UTs")):
            top = max(values, default=0)
            counts = [0] * (top + 1)
            for v in values:
                counts[int(v)] += 1
            fig.add_trace(go.Bar(x=list(range(top + 1)), y=counts, name=name, legendgroup=name,
                                 showlegend=col == 1, marker={"color": colour}, meta={"run": name},
                                 hovertemplate=f"{name}: %{{y}} {unit} at %{{x}}<extra></extra>"), row=1, col=col)
    fig.update_xaxes(title_text="UTs passed", row=1, col=1)
    fig.update_xaxes(title_text="codes passing", row=1, col=2)
    fig.update_layout(template=TEMPLATE, title=title, barmode="group", height=400, legend={"title": {"text": "run"}})
    return fig


# -- the algorithm -------------------------------------------------------------------------------------------------

ALGORITHM_BOXES = (
    (1, "hints", "hints", "K_h distinct<br>approaches"), (1, "plans", "plans", "N_c plans on<br>hint subsets"),
    (1, "attacks", "attacks", "edge cases<br>per plan"), (1, "codes", "codes", "one program<br>per plan"),
    (1, "tests", "UTs", "inputs, expected<br>outputs by k votes"),
    (2, "clean", "1 · clean", "replace codes<br>with pCode = 0"),
    (2, "coupling", "2 · coupling", "refresh the weakest<br>non-trivial UT"),
    (2, "fix", "3 · fix", "repair codes against<br>the most trusted UT"),
    (2, "trivial", "4 · trivial", "replace UTs passed<br>by none or by all"),
    (3, "inputs", "random inputs", "R inputs<br>from a generator"),
    (3, "select", "select", "cluster tied codes<br>by their outputs"),
)
"""The boxes of `algorithm_figure`: (stage, step name, label, what it does)."""

HERE_COLOUR = OKABE_ITO["blue"]
BOX_COLOUR = "#eef1f5"
_STEP_X, _BOX_W, _BOX_H = 1.3, 1.16, 0.56


def algorithm_figure(step: str | None = None, round_number: int | None = None) -> go.Figure:
    """CoSPlay's three stages as boxes and arrows, the box of `step` (a step name such as "fix") filled: where a run
    is. Stage 2's boxes loop (a round), with the early stop after a quiet round. Each box is a shape named after its
    step; the highlighted one is the only shape filled with `HERE_COLOUR`."""
    fig = go.Figure()
    rows = {1: 2.0, 2: 1.0, 3: 0.0}
    offsets = {1: 0.0, 2: 0.5 * _STEP_X, 3: 1.5 * _STEP_X}
    positions: dict[str, tuple[float, float]] = {}
    column = {1: 0, 2: 0, 3: 0}
    for stage, name, label, what in ALGORITHM_BOXES:
        x, y = offsets[stage] + column[stage] * _STEP_X, rows[stage]
        column[stage] += 1
        positions[name] = (x, y)
        here = name == step
        fig.add_shape(type="rect", x0=x - _BOX_W / 2, x1=x + _BOX_W / 2, y0=y - _BOX_H / 2, y1=y + _BOX_H / 2,
                      line={"color": HERE_COLOUR if here else "#9aa5b1", "width": 3 if here else 1},
                      fillcolor=HERE_COLOUR if here else BOX_COLOUR, name=name)
        fig.add_annotation(x=x, y=y, text=f"<b>{label}</b><br><span style='font-size:10px'>{what}</span>",
                           showarrow=False, font={"color": "white" if here else "#1f2933", "size": 12})

    def arrow(start: tuple[float, float], end: tuple[float, float]) -> None:
        fig.add_annotation(x=end[0], y=end[1], ax=start[0], ay=start[1], xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=2, arrowsize=1.2, arrowcolor="#4a5568", text="")

    for a, b in (("hints", "plans"), ("plans", "attacks"), ("attacks", "codes"), ("codes", "tests"),
                 ("clean", "coupling"), ("coupling", "fix"), ("fix", "trivial"), ("inputs", "select")):
        (x0, y0), (x1, y1) = positions[a], positions[b]
        arrow((x0 + _BOX_W / 2, y0), (x1 - _BOX_W / 2, y1))
    (tx, ty), (cx, cy) = positions["tests"], positions["clean"]
    arrow((tx, ty - _BOX_H / 2), (cx + 0.2, cy + _BOX_H / 2))
    (fx, fy), (ix, iy) = positions["trivial"], positions["inputs"]
    arrow((fx - 0.2, fy - _BOX_H / 2), (ix + 0.2, iy + _BOX_H / 2))
    fig.add_annotation(x=positions["select"][0] + _BOX_W / 2 + 0.15, y=iy + 0.42, xanchor="left", showarrow=False,
                       text="after a round that changed nothing,<br>or after T_max rounds",
                       font={"size": 11, "color": "#4a5568"})
    fig.add_annotation(x=fx + _BOX_W / 2 + 0.1, y=fy, xanchor="left", showarrow=False,
                       text="↺ another round<br>while the last one<br>changed something", font={"size": 11,
                                                                                          "color": "#4a5568"})
    for stage, text in ((1, "Stage 1 · exploration-attack ideas"), (2, "Stage 2 · self-play on the matrix"),
                        (3, "Stage 3 · output-consensus selection")):
        fig.add_annotation(x=-_BOX_W / 2, y=rows[stage] + _BOX_H / 2 + 0.13, text=f"<b>{text}</b>",
                           showarrow=False, xanchor="left", font={"size": 12, "color": "#4a5568"})
    where = "" if step is None else f" · here: {step}" + (f" (round {round_number})" if round_number else "")
    fig.update_xaxes(visible=False, range=[-_BOX_W / 2 - 0.1, 4 * _STEP_X + _BOX_W / 2 + 1.3])
    fig.update_yaxes(visible=False, range=[-0.45, 2.55])
    fig.update_layout(template=TEMPLATE, height=430, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      title={"text": f"How a CoSPlay run proceeds{where}", "x": 0.01}, showlegend=False)
    return fig
