"""The example notebook runs from top to bottom in a fresh kernel, with no cell error.

Needs nbclient and ipykernel (nbformat and jupyter_client come with nbclient).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "walkthrough.ipynb"
PLOTLY_MIME = "application/vnd.plotly.v1+json"

try:
    import ipykernel  # noqa: F401  (the kernel the notebook runs in)
    import nbclient
    import nbformat
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytestmark = pytest.mark.skip(reason=f"notebook test needs nbclient and ipykernel "
                                         f"(pip install nbclient ipykernel): {exc}")


def test_walkthrough_notebook_runs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=False,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code_cells)
    for cell in code_cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
    figures = [o for cell in code_cells for o in cell.get("outputs", [])
               if o.get("output_type") in ("execute_result", "display_data") and PLOTLY_MIME in o.get("data", {})]
    assert len(figures) >= 6, "the notebook should display its plotly figures"
    text = "".join(o.get("text", "") for cell in code_cells for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream")
    assert "simulation: True" in text
    assert "step 4 (stage 1)" in text
