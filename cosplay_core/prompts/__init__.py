"""Prompt templates, one `<name>.txt` file each, shipped as package data.

Templates use `string.Template` placeholders (`$field` or `${field}`; a literal dollar sign is `$$`), so that code,
JSON and braces in a template need no escaping.

    render("hints", count=6)  ->  the text of hints.txt with $count filled in

`render` fails loudly (ValueError naming the template and the field) when a field is missing; extra fields are
ignored, so a customised template may drop a placeholder.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from string import Template

__all__ = ["fields", "load", "names", "render"]


def names() -> list[str]:
    """The names of the available templates, sorted."""
    return sorted(entry.name[:-4] for entry in resources.files(__package__).iterdir()
                  if entry.name.endswith(".txt") and entry.is_file())


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The raw text of template `name` (trailing whitespace removed); ValueError for an unknown template."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a template name: {name!r}")
    entry = resources.files(__package__).joinpath(f"{name}.txt")
    if not entry.is_file():
        raise ValueError(f"no prompt template named {name!r} (known: {', '.join(names())})")
    return entry.read_text(encoding="utf-8").rstrip()


def fields(name: str) -> list[str]:
    """The placeholders template `name` uses, in order of first use."""
    found = []
    for match in Template.pattern.finditer(load(name)):  # get_identifiers() is Python 3.11+
        field = match.group("named") or match.group("braced")
        if field and field not in found:
            found.append(field)
    return found


def render(name: str, **values: object) -> str:
    """Template `name` with its placeholders filled from `values` (each converted with str())."""
    template = Template(load(name))
    missing = [field for field in fields(name) if field not in values]
    if missing:
        raise ValueError(f"prompt template {name!r} needs the field(s) {', '.join(missing)}")
    try:
        return template.substitute({key: str(value) for key, value in values.items()})
    except ValueError as err:  # a stray `$` in the template
        raise ValueError(f"prompt template {name!r} is malformed: {err}") from None
