"""Where the Streamlit app and the sample problems are, in a checkout or an installed wheel, and the command that
starts the app (`cosplay app`).

In a checkout they sit at the top of the project (app.py, pages/, sample_problems/, .streamlit/). A wheel carries a
copy of them as the folder `cosplay_studio/` beside this package (setup.py puts it there), with the same layout, so
the pages find `pages.common` and the samples exactly as in a checkout. Nothing here imports Streamlit at import
time.

    python -m cosplay_core.app_launcher streamlit run app.py [STREAMLIT OPTIONS]

runs that Streamlit command in this process, and imports the modules the first page needs as soon as the server
listens, while the browser is still loading Streamlit's front end (`make run` and `cosplay app` start the app so):
the first page is then drawn without waiting for them.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from pathlib import Path

APP_FOLDER = "cosplay_studio"  # keep in step with setup.py
SAMPLES_FOLDER = "sample_problems"
RUNS_VARIABLE = "COSPLAY_RUNS_DIR"  # read by pages/common.py


def app_root() -> Path | None:
    """The folder holding app.py, pages/ and sample_problems/: the checkout this package was imported from, else the
    copy installed beside it; None when neither is there."""
    package = Path(__file__).resolve().parent
    for root in (package.parent, package.parent / APP_FOLDER):
        if (root / "app.py").is_file() and (root / "pages" / "common.py").is_file():
            return root
    return None


def installed() -> bool:
    """Whether the app found is the copy installed from a wheel (not a checkout's)."""
    root = app_root()
    return root is not None and root.name == APP_FOLDER


def sample_names() -> list[str]:
    """The names of the sample problems that come with this copy, sorted."""
    root = app_root()
    folder = root / SAMPLES_FOLDER if root else None
    if folder is None or not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "problem.toml").is_file())


def sample_problem(name: str) -> Path | None:
    """The folder of the sample problem called `name` (a bare folder name such as "weighted_jobs"), or None."""
    if not name or name != Path(name).name or name.startswith("."):
        return None
    root = app_root()  # sample_names() is empty without a root: the check below covers both
    return root / SAMPLES_FOLDER / name if root is not None and name in sample_names() else None


def config_flags(root: Path) -> list[str]:
    """The app's `.streamlit/config.toml` as command-line flags (`--theme.base=light`, ...): Streamlit reads that file
    only from the working folder, which for an installed app is the user's own."""
    path = root / ".streamlit" / "config.toml"
    if not path.is_file():
        return []
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    with open(path, "rb") as handle:
        config = tomllib.load(handle)
    flags = []
    for section, options in config.items():
        for key, value in (options.items() if isinstance(options, dict) else ()):
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags.append(f"--{section}.{key}={text}")
    return flags


def _given(flag: str, args: list[str]) -> bool:
    name = flag.split("=", 1)[0]
    return any(arg == name or arg.startswith(name + "=") for arg in args)


def app_command(streamlit_args: list[str], root: Path) -> list[str]:
    """The command that runs the app in `root` with Streamlit: the app's own settings, then listening on this
    machine only (127.0.0.1) unless `--server.address` is given, then `streamlit_args`, which win over both."""
    defaults = config_flags(root) + ["--server.address=127.0.0.1", "--browser.gatherUsageStats=false"]
    flags: list[str] = []
    for flag in defaults:
        if not _given(flag, streamlit_args) and not _given(flag, flags):
            flags.append(flag)
    return [sys.executable, "-m", "cosplay_core.app_launcher", "streamlit", "run", str(root / "app.py"), *flags,
            *streamlit_args]


def app_environment(root: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the app: an installed app saves its runs in `./runs` of the working folder (not inside
    the installed package) unless COSPLAY_RUNS_DIR says where."""
    env = dict(os.environ if environ is None else environ)
    if root.name == APP_FOLDER and not env.get(RUNS_VARIABLE):
        env[RUNS_VARIABLE] = str(Path.cwd() / "runs")
    return env


PRELOAD = ("pages.common", "cosplay_core.insights", "cosplay_core.players.sim", "cosplay_core.session")
"""What the first page imports beyond Streamlit (pandas and plotly come later: `pages.common.warm_up`)."""


def preload(root: Path, timeout_s: float = 60.0) -> None:
    """Imports PRELOAD from the app in `root` once Streamlit's server is up (before that, it would only slow the
    server's own start). Any failure is left for the page to report."""
    from streamlit.runtime import Runtime, RuntimeState

    deadline = time.monotonic() + timeout_s
    while not (Runtime.exists() and Runtime.instance().state != RuntimeState.INITIAL):
        if time.monotonic() > deadline:
            return
        time.sleep(0.02)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # as app.py does, for `pages.common`
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001  (the page imports it again and shows what is wrong)
            return


def main(argv: list[str] | None = None) -> int:
    """`streamlit run APP [OPTIONS]` in this process, with `preload` on a thread of its own."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:2] != ["streamlit", "run"] or len(args) < 3:
        print("usage: python -m cosplay_core.app_launcher streamlit run APP.py [STREAMLIT OPTIONS]", file=sys.stderr)
        return 2
    threading.Thread(target=preload, args=(Path(args[2]).resolve().parent,), name="cosplay-preload",
                     daemon=True).start()
    from streamlit.web import cli

    sys.argv = args
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
