"""Benchmark data from where it is published, cached and converted to the project's formats.

    cosplay data get humaneval            # download (or pick up a file put there by hand), verify, convert
    cosplay bench humaneval --model sim   # a dataset name stands for its converted data in the cache
    cosplay run humaneval#HumanEval/0

`get(name)` fetches a dataset's upstream files into the cache (`cache.py`: pinned checksums, offline message) and
converts them (one module per dataset); `resolve_dataset`, `resolve_problem` and `resolve_pool` turn a command's
DATASET, PROBLEM and `pool:` arguments that name a dataset into paths, leaving local paths as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cosplay_core.datasets import apps, codet, humaneval, humaneval_plus, livecodebench, mbpp_plus
from cosplay_core.datasets.cache import (DataError, Say, Source, cache_root, dataset_folder, downloads_folder, fetch,
                                         install, read_manifest)

__all__ = ["DATASETS", "DataError", "Dataset", "cache_root", "get", "lookup", "resolve_dataset", "resolve_pool",
           "resolve_problem", "status"]


@dataclass(frozen=True)
class Dataset:
    """A dataset `cosplay data get` knows: what it is, its upstream files (for the options given) and its
    conversion (`convert(files, folder, options, say)` returns the manifest's `entry`, `problems`, `notes`)."""

    name: str
    summary: str
    sources: Callable[[dict], tuple[Source, ...]]
    convert: Callable[..., dict]
    options: tuple[str, ...] = ()


def _fixed(sources: tuple[Source, ...]) -> Callable[[dict], tuple[Source, ...]]:
    return lambda options: sources


DATASETS = {dataset.name: dataset for dataset in (
    Dataset("humaneval", "OpenAI's HumanEval: 164 function problems, check() as ground truth (openai/human-eval)",
            _fixed(humaneval.SOURCES), humaneval.convert),
    Dataset("humaneval-plus", "HumanEval+ v0.1.10: HumanEval with EvalPlus's extra tests (GitHub releases)",
            _fixed(humaneval_plus.SOURCES), humaneval_plus.convert),
    Dataset("mbpp-plus", "MBPP+ v0.2.0: 378 MBPP function problems with EvalPlus's tests (GitHub releases)",
            _fixed(mbpp_plus.SOURCES), mbpp_plus.convert),
    Dataset("apps", "APPS test split, stdin/stdout problems, their tests as ground truth (hub: codeparrot/apps)",
            _fixed(apps.SOURCES), apps.convert),
    Dataset("livecodebench", "LiveCodeBench code generation (lite): stdin and LeetCode function problems, public "
                             "and private tests as ground truth (hub: livecodebench/code_generation_lite)",
            livecodebench.sources, livecodebench.convert, options=("release", "since", "until")),
    Dataset("codet-humaneval-codegen16b", "CodeT's recorded CodeGen-16B samples for HumanEval, 100 codes and 100 "
                                          "test samples a problem (microsoft/CodeT): --model pool:<this name>",
            _fixed(codet.SOURCES), codet.convert),
)}


def lookup(name: str) -> Dataset:
    """The dataset called `name`; `DataError` (one line, listing the known names) for any other name."""
    dataset = DATASETS.get(name)
    if dataset is None:
        raise DataError(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})")
    return dataset


def get(name: str, options: dict | None = None, say: Say | None = None) -> dict:
    """Fetches, verifies and converts dataset `name` into the cache; returns its manifest. `options` (only for
    datasets that take them: livecodebench's `release`, `since`, `until`) choose what is converted.
    Raises `DataError` (one line) for an unknown name or option, a failed download, a checksum mismatch (the file
    is removed), or upstream data that cannot be converted."""
    dataset = lookup(name)
    options = {key: value for key, value in (options or {}).items() if value is not None}
    unknown = sorted(set(options) - set(dataset.options))
    if unknown:
        raise DataError(f"{name} takes no --{unknown[0]} option"
                        + (f" (it takes {', '.join('--' + o for o in dataset.options)})" if dataset.options else ""))
    sources = dataset.sources(options)
    command = " ".join(["cosplay data get", name] + [f"--{key} {value}" for key, value in options.items()])
    files = fetch(name, sources, say, command)
    if say:
        say(f"{name}: converting")
    paths = {file_name: path for file_name, (path, _) in files.items()}
    return install(name, lambda folder: dataset.convert(paths, folder, options, say), files, options)


def status(name: str) -> dict:
    """What the cache holds of dataset `name`: {"name", "summary", "ready", "path", "problems", "downloads",
    "notes", "options"}; `path` is what `cosplay bench` reads (None until converted)."""
    dataset = lookup(name)
    manifest = read_manifest(name)
    downloads = downloads_folder(name)
    return {"name": name, "summary": dataset.summary, "ready": manifest is not None,
            "path": str(dataset_folder(name) / manifest["entry"]) if manifest else None,
            "problems": manifest.get("problems") if manifest else None,
            "options": manifest.get("options", {}) if manifest else {},
            "notes": manifest.get("notes", []) if manifest else [],
            "downloads": sorted(p.name for p in downloads.iterdir() if p.is_file() and not p.name.endswith(
                ".partial")) if downloads.is_dir() else []}


def _entry(name: str, argument: str) -> Path:
    """The converted data of dataset `name`; `DataError` saying how to get them when they are not there yet."""
    manifest = read_manifest(name)
    if manifest is None:
        raise DataError(f"{argument}: the {name} dataset is not downloaded yet: run `cosplay data get {name}` "
                        f"(data go to {cache_root()})")
    return dataset_folder(name) / manifest["entry"]


def resolve_dataset(argument: str) -> str:
    """A DATASET argument as the path `cosplay bench` reads: an existing path as it is; a dataset name as its
    converted file or folder in the cache (`DataError` when it has not been downloaded); anything else as it is."""
    if Path(argument).exists() or argument not in DATASETS:
        return argument
    return str(_entry(argument, argument))


def resolve_problem(argument: str) -> str:
    """A PROBLEM argument: `NAME#ID` for a dataset name becomes `FILE#ID` for its converted file (or the problem's
    folder, for a dataset of problem folders); a local path, and anything else, is left as it is."""
    if Path(argument).exists() or "#" not in argument:
        return argument
    name, _, record_id = argument.partition("#")
    if name not in DATASETS or Path(name).exists():
        return argument
    entry = _entry(name, argument)
    if entry.is_dir():
        folder = entry / livecodebench.folder_name(record_id)
        if not folder.is_dir():
            raise DataError(f"{argument}: no problem {record_id!r} in {name} (its problems are the folders of "
                            f"{entry})")
        return str(folder)
    return f"{entry}#{record_id}"


def resolve_pool(folder: str) -> str:
    """The folder of `--model pool:<folder>`: an existing path as it is, a dataset name as its cached folder."""
    if Path(folder).exists() or folder not in DATASETS:
        return folder
    manifest = read_manifest(folder)
    if manifest is None or "pool" not in manifest:
        _entry(folder, f"pool:{folder}")  # not downloaded: says how to get it
        raise DataError(f"pool:{folder}: {folder} is not a pool of recorded samples")
    return str(dataset_folder(folder) / manifest["pool"])
