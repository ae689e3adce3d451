"""`cosplay data get NAME` and `cosplay data list`: the command-line face of the data cache.

Exit status 0 on success; a `DataError` (unknown name or option, failed download, checksum mismatch) is one line on
standard error and exit status 2, printed by the `cosplay` command. With `--json`, standard output holds JSON only.
"""

from __future__ import annotations

import argparse
import json

from cosplay_core.datasets import DATASETS, get, status
from cosplay_core.datasets.cache import cache_root, stderr_say
from cosplay_core.datasets.livecodebench import DEFAULT_RELEASE

MAX_NOTES = 5


def add_data_parser(sub: argparse._SubParsersAction) -> None:
    """Adds `data get` and `data list` to the `cosplay` command's subparsers."""
    data = sub.add_parser("data", help="download benchmark data into the cache (see `cosplay data list`)")
    actions = data.add_subparsers(dest="data_action", parser_class=type(data))
    fetch = actions.add_parser("get", help="download, verify and convert a dataset")
    fetch.add_argument("name", metavar="NAME", help=", ".join(DATASETS))
    fetch.add_argument("--release", default=None, help=f"livecodebench only: release_v1 ... (default "
                                                        f"{DEFAULT_RELEASE}), vN, vN_vM")
    fetch.add_argument("--since", default=None, metavar="YYYY-MM-DD",
                       help="livecodebench only: problems released on or after this date")
    fetch.add_argument("--until", default=None, metavar="YYYY-MM-DD",
                       help="livecodebench only: problems released on or before this date")
    fetch.add_argument("--json", action="store_true", help="print the dataset's manifest as JSON")
    listing = actions.add_parser("list", help="the datasets and what the cache holds of them")
    listing.add_argument("--json", action="store_true", help="print JSON only")
    data.set_defaults(handler=cmd_data)


def cmd_data(args: argparse.Namespace) -> int:
    """Runs `cosplay data get` or `cosplay data list`; raises `DataError` for the user's one line."""
    if args.data_action == "get":
        return _get(args)
    if args.data_action == "list":
        return _list(args)
    from cosplay_core.datasets.cache import DataError

    raise DataError("give an action: `cosplay data get NAME` or `cosplay data list`")


def _get(args: argparse.Namespace) -> int:
    options = {"release": args.release, "since": args.since, "until": args.until}
    manifest = get(args.name, options, say=None if args.json else stderr_say)
    found = status(args.name)
    if args.json:
        print(json.dumps({**manifest, "path": found["path"]}))
        return 0
    print(f"{args.name}: {manifest['problems']} problems in {found['path']}")
    notes = manifest.get("notes", [])
    for note in notes[:MAX_NOTES]:
        print(f"  {note}")
    if len(notes) > MAX_NOTES:
        print(f"  ... {len(notes) - MAX_NOTES} more notes in {found['path'].rsplit('/', 1)[0]}/dataset.json")
    if "pool" in manifest:
        print(f"replay it: cosplay bench {args.name} --model pool:{args.name}")
    else:
        print(f"run it: cosplay bench {args.name} --model sim   (one problem: cosplay run {args.name}#<id>)")
    return 0


def _list(args: argparse.Namespace) -> int:
    rows = [status(name) for name in DATASETS]
    if args.json:
        print(json.dumps({"cache": str(cache_root()), "datasets": rows}))
        return 0
    print(f"data cache: {cache_root()}  (set COSPLAY_DATA to move it)")
    for row in rows:
        if row["ready"]:
            state = f"{row['problems']} problems"
        elif row["downloads"]:
            state = "downloaded, not converted"
        else:
            state = "not downloaded"
        print(f"  {row['name']:<28} {state:<26} {row['summary']}")
    return 0
