"""The installable package: the wheel built the way `python -m build` builds it (source distribution first, then the
wheel from it), installed in a fresh venv outside the checkout; there `cosplay run weighted_jobs` finds the packaged
sample, `cosplay app` serves /_stcore/health, and the installed app's pages render. About a minute; part of
`make test` (CI), left out locally with `-m 'not package'`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.package

# Top-level entries of the checkout that a build never needs (copied builds stay small and private to this test).
LEFT_OUT = {".git", ".venv", "runs", ".cosplay_cache", "build", "dist", "test-artifacts", ".pytest_cache", "tests",
            "benchmarks", "examples", "docs", "scripts"}


def _copy_checkout(target: Path) -> Path:
    """The checkout as it is now (work in progress included), without what a build never reads."""
    def ignore(folder: str, names: list[str]) -> set[str]:
        top = Path(folder).resolve() == ROOT
        return {n for n in names if n == "__pycache__" or n.endswith(".egg-info") or (top and n in LEFT_OUT)}

    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    return target


def _hook(source: Path, hook: str, out: Path) -> Path:
    """Runs a PEP 517 hook of setuptools (`build_sdist` or `build_wheel`) in `source`; the file it made."""
    code = f"from setuptools import build_meta; print(build_meta.{hook}({str(out)!r}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return out / result.stdout.strip().splitlines()[-1]


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "COSPLAY_RUNS_DIR")}
    env["HOME"] = str(home)
    return env


def _install(wheel: Path, venv: Path) -> str:
    """Installs `wheel` in the fresh `venv` with its dependencies from the registry; without a registry, with the
    dependencies of this test's own environment (said in the returned note), checked by `pip check`."""
    python = str(venv / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", python]
    result = subprocess.run([*pip, "install", "--quiet", "--no-compile", str(wheel)], capture_output=True, text=True,
                            timeout=900)
    if result.returncode == 0:
        return "dependencies from the registry"
    unreachable = ("Could not find a version", "No matching distribution", "Failed to establish", "Network is "
                   "unreachable", "Temporary failure in name resolution", "ConnectionError")
    assert any(s in result.stderr for s in unreachable), result.stderr[-3000:]
    site = next((venv / "lib").glob("python3*/site-packages"))
    borrowed = [p for p in sys.path if p.endswith("site-packages")]
    (site / "borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n")  # paths only: no .pth of theirs runs
    subprocess.run([*pip, "install", "--quiet", "--no-compile", "--no-deps", str(wheel)], check=True, timeout=300)
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    return "registry unreachable: dependencies borrowed from the test's environment"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(port: int, process: subprocess.Popen, timeout_s: float = 90) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    return f"no answer (exit status {process.poll()})"


PAGES_RENDER = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.run()
assert not at.exception, [e.message for e in at.exception]
options = [option for box in at.selectbox for option in box.options]
assert "weighted_jobs" in options, options
print("rendered")
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("package")
    source = _copy_checkout(root / "src")
    sdist = _hook(source, "build_sdist", root / "sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(root / "unpacked", filter="data")
    [unpacked] = (root / "unpacked").iterdir()
    wheel = _hook(unpacked, "build_wheel", root / "dist")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    note = _install(wheel, venv)
    work = root / "work"  # the user's folder: not the checkout, nothing of it on the path
    work.mkdir()
    return {"wheel": wheel, "source": source, "venv": venv, "work": work, "env": _clean_env(root / "home"), "note": note}


def _requirements(path: Path) -> set[str]:
    """The requirements a requirements file lists (its -r includes left out), normalised."""
    from packaging.requirements import Requirement

    lines = [line.split(" #")[0].strip() for line in path.read_text().splitlines()]
    return {str(Requirement(line)) for line in lines if line and not line.startswith(("#", "-r"))}


def test_pyproject_and_the_requirements_files_list_the_same_packages():
    from packaging.requirements import Requirement

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert {str(Requirement(r)) for r in project["dependencies"]} == _requirements(ROOT / "requirements.txt")
    dev, included = set(), set()
    for item in extras["dev"]:
        requirement = Requirement(item)
        if requirement.name == project["name"]:  # the other extras, by reference
            included |= requirement.extras
        else:
            dev.add(str(requirement))
    assert included == set(extras) - {"dev"}, "the [dev] extra must include every other extra"
    dev |= {str(Requirement(r)) for name in included for r in extras[name]}
    assert dev == _requirements(ROOT / "requirements-dev.txt")


def test_the_wheel_carries_the_library_the_app_and_the_samples(installed):
    import zipfile

    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for name in ("cosplay_core/cli.py", "cosplay_core/prompts/code.txt", "cosplay_core/sandbox/runner.py",
                 "cosplay_studio/app.py", "cosplay_studio/pages/common.py", "cosplay_studio/.streamlit/config.toml",
                 "cosplay_studio/sample_problems/weighted_jobs/problem.toml",
                 "cosplay_studio/sample_problems/weighted_jobs/reference.py"):
        assert name in names, name
    assert not any("__pycache__" in n for n in names)
    # every module of the checkout's library is in the wheel (a subpackage left out would break only some commands)
    source = installed["source"]
    modules = {str(p.relative_to(source)) for p in (source / "cosplay_core").rglob("*.py")}
    assert modules <= names, sorted(modules - names)


def test_cosplay_run_finds_a_packaged_sample_outside_the_checkout(installed):
    python = installed["venv"] / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import cosplay_core; print(cosplay_core.__file__)"],
                           cwd=installed["work"], env=installed["env"], capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(installed["venv"]), where.stdout
    result = subprocess.run([str(installed["venv"] / "bin" / "cosplay"), "run", "weighted_jobs", "--model", "sim",
                             "--codes", "6", "--tests", "6", "--rounds", "1", "--inputs", "4", "--json", "--quiet"],
                            cwd=installed["work"], env=installed["env"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{installed['note']}\n{result.stderr}"
    summary = json.loads(result.stdout)
    assert summary["problem"] == "weighted_jobs" and summary["gt"]["codes_total"] == 6
    assert (installed["work"] / "runs").is_dir()  # runs go to the user's folder, not into the installed package


def test_cosplay_app_serves_health_and_the_installed_pages_render(installed):
    port = _free_port()
    app = subprocess.Popen([str(installed["venv"] / "bin" / "cosplay"), "app", "--server.headless", "true",
                            "--server.port", str(port)], cwd=installed["work"], env=installed["env"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        answer = _health(port, app)
        command = Path(f"/proc/{app.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        try:
            output, _ = app.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            output, _ = app.communicate()
    assert answer == "ok", f"{installed['note']}\n{output}"
    site = next((installed["venv"] / "lib").glob("python3*/site-packages"))
    assert f"streamlit run {site / 'cosplay_studio' / 'app.py'}" in command, command  # the installed copy
    rendered = subprocess.run([str(installed["venv"] / "bin" / "python"), "-c", PAGES_RENDER,
                               str(site / "cosplay_studio" / "app.py")], cwd=installed["work"], env=installed["env"],
                              capture_output=True, text=True, timeout=300)
    assert rendered.returncode == 0 and "rendered" in rendered.stdout, rendered.stderr[-3000:]
