"""Packaging. Everything is declared in pyproject.toml except one step it cannot express.

The Streamlit app (app.py, pages/, .streamlit/config.toml) and the sample problems live at the top of the project,
where `streamlit run app.py` expects them. The wheel carries a copy of them as the folder `cosplay_studio/`, beside
the `cosplay_core` package, with the same layout, so that the pages find `pages.common` and `sample_problems/` as
they do in a checkout; `cosplay app` starts that copy (cosplay_core/app_launcher.py). MANIFEST.in puts the same files
in the source distribution, from which `python -m build` builds the wheel.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
APP_FOLDER = "cosplay_studio"  # keep in step with cosplay_core/app_launcher.py
APP_FILES = ("app.py", ".streamlit/config.toml")
APP_TREES = ("pages", "sample_problems")


def app_files() -> list[Path]:
    """The app's files, relative to the project: no caches, no hidden files inside the trees."""
    files = [Path(name) for name in APP_FILES]
    for tree in APP_TREES:
        for path in sorted((HERE / tree).rglob("*")):
            relative = path.relative_to(HERE)
            if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc" \
                    and not any(part.startswith(".") for part in relative.parts):
                files.append(relative)
    return files


class BuildWithApp(build_py):
    """build_py, then the app's files copied into the build as `cosplay_studio/`."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install runs the checkout's own app
            return
        target = Path(self.build_lib) / APP_FOLDER
        for relative in app_files():
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HERE / relative, destination)


setup(cmdclass={"build_py": BuildWithApp})
