"""The layers of ARCHITECTURE.md, read from the source: every import of a `cosplay_core` module (lazy ones inside
functions and `TYPE_CHECKING` ones included) is an arrow; there is no cycle, and no arrow the layers forbid."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "cosplay_core"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """{module: the cosplay_core modules it imports}, a `from package import name` counted as the submodule when
    `name` is one."""
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets.update(f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def imports_of(graph: dict[str, set[str]], prefix: str) -> set[str]:
    """Every module that modules under `prefix` import, outside `prefix`."""
    inside = lambda m: m == prefix or m.startswith(prefix + ".")  # noqa: E731
    return {t for m, targets in graph.items() if inside(m) for t in targets if not inside(t)}


def test_the_graph_is_read_from_every_module():
    graph = import_graph()
    assert "cosplay_core.sandbox.server" in graph and "cosplay_core.run" in graph
    assert "cosplay_core.matrix" in graph["cosplay_core.run"]
    # a lazy import inside a function is an arrow too
    assert "cosplay_core.players.lm_player" in graph["cosplay_core.players.registry"]


def test_no_import_cycle():
    graph = import_graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_sandbox_imports_nothing_above_it():
    assert imports_of(import_graph(), "cosplay_core.sandbox") == set()


def test_benchmark_loaders_know_only_problems_ground_truth_and_the_sandbox():
    allowed = {"cosplay_core.problem", "cosplay_core.ground_truth"}
    found = {m for m in imports_of(import_graph(), "cosplay_core.benchmarks")
             if not m.startswith("cosplay_core.sandbox")}
    assert found <= allowed, found - allowed


ABOVE_THE_PLAYERS = ("cosplay_core.run", "cosplay_core.stages", "cosplay_core.session", "cosplay_core.cli",
                     "cosplay_core.bench", "cosplay_core.experiments", "cosplay_core.sweep", "cosplay_core.distributed",
                     "cosplay_core.viz", "cosplay_core.controller", "cosplay_core.matrix", "cosplay_core.selectors")


def _under(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_models_are_providers_and_the_client_only():
    """`models/` knows nothing of players, runs or commands: it imports no other part of cosplay_core."""
    assert imports_of(import_graph(), "cosplay_core.models") == set()


def test_players_never_reach_up_to_the_run_or_the_commands():
    graph = import_graph()
    found = {m for m in imports_of(graph, "cosplay_core.players") if _under(m, ABOVE_THE_PLAYERS)}
    assert not found, found
    implementations = ("cosplay_core.players.lm_player", "cosplay_core.players.sim", "cosplay_core.players.pool",
                       "cosplay_core.players.candidates")
    # the implementations never import the registry: it imports them, each when first asked for
    for module in implementations:
        assert "cosplay_core.players.registry" not in graph[module], module


def test_the_run_and_stages_reach_a_backbone_only_through_the_contract():
    graph = import_graph()
    for module, targets in graph.items():
        if _under(module, ("cosplay_core.run", "cosplay_core.stages", "cosplay_core.matrix", "cosplay_core.state")):
            wrong = {t for t in targets if t.startswith("cosplay_core.models")
                     or (t.startswith("cosplay_core.players") and t != "cosplay_core.players.contract")}
            assert not wrong, f"{module} imports {wrong}"


def test_experiments_are_reached_only_from_the_command_line():
    graph = import_graph()
    users = {m for m, targets in graph.items() if not m.startswith("cosplay_core.experiments")
             for t in targets if t.startswith("cosplay_core.experiments")}
    assert users <= {"cosplay_core.cli"}, users


def test_the_core_never_imports_streamlit_or_the_pages():
    """Only the launcher behind `cosplay app` starts Streamlit; no library module imports it or the pages."""
    for path in PACKAGE.rglob("*.py"):
        if path.name == "app_launcher.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            bad = [n for n in names if n.split(".")[0] in ("streamlit", "pages", "app")]
            assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_no_module_imports_another_module_s_private_names():
    """A helper two modules share is public in the module that owns it (issue 11: the LM player took `parse`'s
    private helpers)."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cosplay_core"):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                assert not private, f"{path.relative_to(ROOT)} imports {private} from {node.module}"
