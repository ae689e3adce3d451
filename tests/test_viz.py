"""viz: every figure builds from a real sim run's snapshots, serialises, and carries what the app relies on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cosplay_core import bench, insights, viz
from cosplay_core.insights import OUTCOME_CATEGORIES
from cosplay_core.state import Selection

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sim_run():
    from cosplay_core.config import RunConfig
    from cosplay_core.players.sim import SimPlayer
    from cosplay_core.problem import load_problem
    from cosplay_core.run import Run
    from cosplay_core.sandbox import Executor

    problem = load_problem(ROOT / "sample_problems" / "run_length")
    with Executor() as ex:
        run = Run(problem, SimPlayer(problem, ex, seed=1), RunConfig(codes=8, tests=8, rounds=2, inputs=8, seed=1),
                  ex)
        run.run_to_end()
        return run.history, run.summary()


@pytest.fixture(scope="module")
def coupled_run():
    """The coupling preset's kind of run, smaller: weighted_jobs with sim's test skill at 0.3 (wrong predictions
    share bugs with wrong codes, so spurious couplings appear)."""
    from cosplay_core.config import RunConfig
    from cosplay_core.players.sim import SimPlayer, SimSkills
    from cosplay_core.problem import load_problem
    from cosplay_core.run import Run
    from cosplay_core.sandbox import Executor

    problem = load_problem(ROOT / "sample_problems" / "weighted_jobs")
    with Executor() as ex:
        run = Run(problem, SimPlayer(problem, ex, seed=0, skills=SimSkills(test=0.3)),
                  RunConfig(codes=5, tests=5, rounds=2, inputs=5, seed=0), ex)
        run.run_to_end()
        return run.history


def cell_traces(fig):
    return [t for t in fig.data if t.type == "scatter" and (t.meta or {}).get("kind") == "cells"]


def matrix_axes(fig):
    """The layout's x and y axes of the matrix panel (the one holding the cell traces)."""
    trace = cell_traces(fig)[0]
    return fig.layout["xaxis" + trace.xaxis[1:]], fig.layout["yaxis" + trace.yaxis[1:]]


def serialises(fig):
    text = fig.to_json()
    assert json.loads(text)["data"] is not None
    return text


def test_no_streamlit_in_the_core():
    code = ("import sys, cosplay_core.viz, cosplay_core.insights; "
            "assert 'streamlit' not in sys.modules, 'streamlit imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_outcome_colours_are_fixed_and_distinct():
    assert tuple(viz.OUTCOME_COLOURS) == OUTCOME_CATEGORIES
    assert len(set(viz.OUTCOME_COLOURS.values())) == len(OUTCOME_CATEGORIES)


def test_matrix_figure_covers_every_cell_once(sim_run):
    snapshots, _ = sim_run
    full = [s for s in snapshots if s.passes.size]
    assert full
    for s in full:
        for sort in (True, False):
            fig = viz.matrix_figure(s, show_gt=True, sort=sort)
            serialises(fig)
            traces = cell_traces(fig)
            names = [t.name for t in traces]
            assert names == [c for c in OUTCOME_CATEGORIES if c in names]  # legend order, one trace each
            cells = {}
            for t in traces:
                assert t.mode == "markers" and t.marker.symbol == "square"
                assert t.marker.color == viz.OUTCOME_COLOURS[t.name]
                for code_id, test_id in t.customdata:
                    assert (code_id, test_id) not in cells
                    cells[(code_id, test_id)] = t.name
            expected = {(c.id, u.id): insights.cell_category(s.cells[i][j])
                        for i, c in enumerate(s.codes) for j, u in enumerate(s.tests)}
            assert cells == expected
            bars = {t.name: t for t in fig.data if t.type == "bar"}
            assert sum(bars["pCode"].x) == int(s.passes.sum()) == sum(bars["pUT"].y)


def test_matrix_figure_positions_follow_the_sorted_order(sim_run):
    s = sim_run[0][-1]
    rows, cols = insights.sorted_order(s)
    y_of = {s.codes[i].id: y for y, i in enumerate(rows)}
    x_of = {s.tests[j].id: x for x, j in enumerate(cols)}
    fig = viz.matrix_figure(s)
    for t in cell_traces(fig):
        for (code_id, test_id), x, y in zip(t.customdata, t.x, t.y):
            assert (x, y) == (x_of[test_id], y_of[code_id])
    unsorted = viz.matrix_figure(s, sort=False)
    for t in cell_traces(unsorted):
        for (code_id, test_id), x, y in zip(t.customdata, t.x, t.y):
            assert (x, y) == ([u.id for u in s.tests].index(test_id), [c.id for c in s.codes].index(code_id))
    assert "pCode" in json.dumps(fig.layout.to_plotly_json())


def test_matrix_figure_highlights_the_steps_changes(sim_run):
    snapshots, _ = sim_run
    changed = [s for s in snapshots if s.passes.size and (insights.step_changes(s)["codes"] or
                                                          insights.step_changes(s)["tests"])]
    assert changed
    for s in changed:
        found = insights.step_changes(s)
        fig = viz.matrix_figure(s, highlight=True)
        assert len(fig.layout.shapes) == len(found["codes"]) + len(found["tests"])
        assert any(t.name == "changed by this step (framed)" for t in fig.data)
        assert len(viz.matrix_figure(s, highlight=False).layout.shapes) == 0


def test_matrix_figure_ground_truth_marks(sim_run):
    snapshots, _ = sim_run
    s = snapshots[-1]
    plain = viz.matrix_figure(s)
    marked = viz.matrix_figure(s, show_gt=True)
    y_plain = "".join(matrix_axes(plain)[1].ticktext)
    assert "✓" not in y_plain and "✗" not in y_plain
    n_right = sum(s.gt["codes"])
    x_axis, y_axis = matrix_axes(marked)
    y_marked = list(y_axis.ticktext)
    assert sum("✓" in t for t in y_marked) == n_right
    assert sum("✗" in t for t in y_marked) == len(s.codes) - n_right
    assert sum("✓" in t or "✗" in t for t in x_axis.ticktext) == len(s.tests)


def test_matrix_figure_outlines_spurious_couplings(coupled_run):
    """A step with a spurious coupling outlines its cells."""
    coupled = [x for x in coupled_run if insights.snapshot_couplings(x)]
    assert coupled, "this run is expected to show a spurious coupling"
    fig = viz.matrix_figure(coupled[0], show_gt=True)
    pairs = {(c, t) for t, codes in insights.snapshot_couplings(coupled[0]).items() for c in codes}
    [overlay] = [t for t in fig.data if (t.meta or {}).get("kind") == "couplings"]
    outlined = {(int(code_id), int(test_id)) for code_id, test_id in overlay.customdata}
    assert outlined == pairs and overlay.marker.line.color == viz.COUPLING_COLOUR
    assert any(t.name == "spurious coupling (outlined)" for t in fig.data)


def test_matrix_figure_empty_matrix(sim_run):
    snapshots, _ = sim_run
    early = [s for s in snapshots if not s.passes.size]
    assert early, "stage 1 starts with an empty matrix"
    for s in early:
        fig = viz.matrix_figure(s, show_gt=True)
        serialises(fig)
        assert not cell_traces(fig)
        assert fig.layout.annotations and "UT yet" in fig.layout.annotations[0].text


def test_pass_histograms(sim_run):
    snapshots, summary = sim_run
    fig = viz.pass_histograms(snapshots)
    serialises(fig)
    ends = insights.round_ends(snapshots)
    labels = [label for label, _ in ends]
    assert labels == ["initial"] + [f"round {r['round']}" for r in summary["rounds"]]
    assert len(fig.data) == 2 * len(ends)
    for label, s in ends:
        by_panel = {t.meta["panel"]: t for t in fig.data if t.name == label}
        assert sum(by_panel["pCode"].y) == len(s.codes) and sum(by_panel["pUT"].y) == len(s.tests)
        assert sum(k * n for k, n in zip(by_panel["pCode"].x, by_panel["pCode"].y)) == int(s.passes.sum())
    assert [t.name for t in fig.data if t.showlegend] == labels
    # stage 1 only so far: nothing to draw yet
    assert not viz.pass_histograms(snapshots[:2]).data


def test_signature_and_cluster_figures_from_the_run(sim_run):
    selection = sim_run[0][-1].selection
    fig = viz.signature_figure(selection)
    serialises(fig)
    cells = [tuple(cd) for t in fig.data for cd in t.customdata]
    width = len(selection.inputs)
    assert sorted(cells) == sorted((c, x) for c in selection.tied for x in range(width))
    assert all(t.marker.symbol == "square" for t in fig.data)
    assert any("★" in label for label in fig.layout.yaxis.ticktext)
    bars = viz.cluster_figure(selection)
    serialises(bars)
    assert list(bars.data[0].y) == [len(c) for c in selection.clusters]


def test_signature_figure_colours_and_clusters():
    signatures = {0: ("1", "2", None), 1: ("1", "2", "3"), 2: ("1", "5", "3"), 3: ("9", None, "4")}
    selection = Selection(1, (0, 1, 2, 3), ((0, 1), (2,), (3,)), signatures, ("a", "b", "c"),
                          ("reason",))
    fig = viz.signature_figure(selection)
    serialises(fig)
    colour_of = {}
    for t in fig.data:
        for (code_id, x) in t.customdata:
            colour_of[(code_id, x)] = (t.name, t.marker.color)
    assert len(colour_of) == 12
    assert colour_of[(0, 2)] == ("ERR (failed run)", viz.ERR_COLOUR) == colour_of[(3, 1)]
    assert colour_of[(0, 0)] == colour_of[(1, 0)] == colour_of[(2, 0)] != colour_of[(3, 0)]
    assert colour_of[(1, 1)][0] == "most common output" and colour_of[(2, 1)] != colour_of[(1, 1)]
    # the winning cluster comes first, framed, with the chosen code on top
    labels = list(fig.layout.yaxis.ticktext)
    assert labels[0].startswith("★") and "code 1" in labels[0] and "code 0" in labels[1]
    assert any(shape.type == "rect" for shape in fig.layout.shapes)
    bars = viz.cluster_figure(selection)
    assert list(bars.data[0].y) == [2, 1, 1]
    assert list(bars.data[0].marker.color) == [viz.WINNER_COLOUR, viz.OTHER_COLOUR, viz.OTHER_COLOUR]


def test_stage3_figures_without_clustering():
    single = Selection(4, (4,), ((4,),), {4: ()}, (), ("code 4 alone",))
    off = Selection(0, (0, 1), (), {}, (), ("clustering off",))
    for selection in (None, single, off):
        for fig in (viz.signature_figure(selection), viz.cluster_figure(selection)):
            serialises(fig)
            assert fig.layout.annotations
    assert not viz.signature_figure(off).data


def test_round_metrics_figure(sim_run):
    _, summary = sim_run
    fig = viz.round_metrics_figure(summary)
    serialises(fig)
    metrics = [t.meta["metric"] for t in fig.data]
    assert metrics == ["pool_pass_rate", "pass_count_auc", "ut_accuracy", "wrong_uts", "spurious_couplings"]
    rounds = [r["round"] for r in summary["rounds"]]
    for t in fig.data:
        assert list(t.x) == rounds
        assert list(t.y) == [r["metrics"][t.meta["metric"]] for r in summary["rounds"]]
    no_gt = {"rounds": [{k: v for k, v in r.items() if k != "metrics"} for r in summary["rounds"]]}
    assert not viz.round_metrics_figure(no_gt).data
    assert not viz.round_metrics_figure({"rounds": []}).data


def test_selectors_figure(sim_run):
    _, summary = sim_run
    result = bench.aggregate([summary])
    fig = viz.selectors_figure(result)
    serialises(fig)
    accuracy = next(t for t in fig.data if t.meta["metric"] == "bon")
    assert len(accuracy.y) == len(result.main.selectors)
    assert list(accuracy.y)[0] == bench.LABELS["cosplay"]
    for (name, row), value in zip(result.main.selectors.items(), accuracy.x):
        assert value == (row.accuracy.mean or 0)
    empty = viz.selectors_figure(bench.aggregate([]))
    assert not empty.data and empty.layout.annotations


def test_outcomes_use_okabe_ito_and_ground_truth_uses_shapes(sim_run):
    """One colour-blind-safe palette for outcomes; ground truth as marks and hatching, never a second use of them."""
    main = ("pass", "wrong answer", "error", "timeout")
    assert all(viz.OUTCOME_COLOURS[c] in viz.OKABE_ITO.values() for c in main)
    assert set(viz.OUTCOME_SYMBOLS) == set(OUTCOME_CATEGORIES)
    snapshots, _ = sim_run
    s = snapshots[-1]
    fig = viz.matrix_figure(s, show_gt=True)
    labels = "".join(matrix_axes(fig)[1].ticktext) + "".join(matrix_axes(fig)[0].ticktext)
    assert "color" not in labels  # ✓ and ✗ carry no colour
    bars = {t.meta["kind"]: t for t in fig.data if t.type == "bar"}
    rows, _ = insights.sorted_order(s)
    hatched = ["/" if not s.gt["codes"][i] else "" for i in rows]
    assert list(bars["pCode"].marker.pattern.shape) == hatched
    outcome_colours = set(viz.OUTCOME_COLOURS.values())
    assert not outcome_colours & set(bars["pCode"].marker.color)


def test_bug_notes_hidden_unless_ground_truth_is_shown():
    wrong = "# bug: off by one\n#   on the last run\nimport sys\nprint(1)\n"
    assert insights.source_for_display(wrong, show_gt=False) == "import sys\nprint(1)\n"
    assert insights.source_for_display(wrong, show_gt=True) == wrong
    model_written = "import sys\n# bug: a comment later in the code stays\n"
    assert insights.source_for_display(model_written, show_gt=False) == model_written


def test_algorithm_figure_highlights_the_current_step():
    fig = viz.algorithm_figure("fix", 2)
    filled = [shape.name for shape in fig.layout.shapes if shape.fillcolor == viz.HERE_COLOUR]
    assert filled == ["fix"] and "here: fix (round 2)" in fig.layout.title.text
    assert {shape.name for shape in fig.layout.shapes} == {name for _, name, _, _ in viz.ALGORITHM_BOXES}
    assert not [s for s in viz.algorithm_figure(None).layout.shapes if s.fillcolor == viz.HERE_COLOUR]
    serialises(fig)
