"""Who may use this app and what it may read: local clients only unless serving is asked for, the server's API keys
only when a second setting allows it, and path fields confined to the project and the data folders.

- Serving others is explicit: Streamlit's `server.address` set to an address other than a loopback one
  (`make run HOST=0.0.0.0`). With no address set, Streamlit listens on every interface; the app then answers
  clients on this machine only (`refused_client`).
- While the app serves others, keys in the server's environment (ANTHROPIC_API_KEY, OPENAI_API_KEY) are used only
  when `COSPLAY_SERVER_KEYS=1` (`make run HOST=0.0.0.0 SERVER_KEYS=1`); a visitor must otherwise type a key.
- Path fields (a benchmark record, a run or bench folder, a recorded-samples folder) accept paths under the project
  (`runs/`, `sample_problems/`, ...), the runs folder (COSPLAY_RUNS_DIR when set) and the data folders: `../shared/data` next to the project and any folder
  listed in `COSPLAY_DATA_DIRS` (separated by `:`).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_KEYS_VARIABLE = "COSPLAY_SERVER_KEYS"
DATA_DIRS_VARIABLE = "COSPLAY_DATA_DIRS"


def _loopback(address: str) -> bool:
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def serving_others(address: str | None) -> bool:
    """Whether the app was explicitly set to listen for other machines (`server.address` set, not loopback)."""
    return bool(address and address.strip()) and not _loopback(address)


def refused_client(address: str | None, client_ip: str | None) -> str | None:
    """Why a client must be refused (one line), or None. `client_ip` is None for a client on this machine (and
    anything but a string, as in Streamlit's AppTest, counts as no address)."""
    if not isinstance(client_ip, str) or serving_others(address):
        return None
    return ("This app serves this machine only: open it on the machine it runs on, or start it with "
            "`make run HOST=0.0.0.0` to serve others on purpose (see the README).")


def server_keys_allowed(address: str | None, environ: dict | None = None) -> bool:
    """Whether an empty key field may fall back on the keys in the server's environment."""
    environ = os.environ if environ is None else environ
    return not serving_others(address) or environ.get(SERVER_KEYS_VARIABLE, "") == "1"


def allowed_roots(environ: dict | None = None) -> list[Path]:
    """The folders path fields may read under: the project, ../shared/data, and `COSPLAY_DATA_DIRS`."""
    environ = os.environ if environ is None else environ
    roots = [ROOT, ROOT.parent / "shared" / "data"]
    if environ.get("COSPLAY_RUNS_DIR"):
        roots.append(Path(environ["COSPLAY_RUNS_DIR"]).expanduser())
    roots += [Path(p).expanduser() for p in environ.get(DATA_DIRS_VARIABLE, "").split(os.pathsep) if p.strip()]
    return [r.resolve() for r in roots]


def checked_path(text: str, environ: dict | None = None) -> tuple[Path | None, str | None]:
    """(the resolved path, None) when `text` names a path under `allowed_roots` (relative paths are taken from the
    project folder, symbolic links followed), else (None, one line saying where paths may point)."""
    raw = Path(text.strip()).expanduser()
    path = (raw if raw.is_absolute() else ROOT / raw).resolve()
    roots = allowed_roots(environ)
    if any(path == root or path.is_relative_to(root) for root in roots):
        return path, None
    shown = ", ".join(_short(r) for r in roots)
    return None, (f"{text.strip()} is outside the folders this app reads ({shown}); add a data folder with "
                  f"{DATA_DIRS_VARIABLE}=/path/to/data")


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT)) or "."
    except ValueError:
        return str(path)


def checked_record(reference: str, environ: dict | None = None) -> tuple[str | None, str | None]:
    """A `FILE#ID` (or folder) reference with its file part checked by `checked_path`: (reference, None) or
    (None, the reason)."""
    reference = reference.strip()
    path_part, hash_sign, record = reference.rpartition("#") if "#" in reference else (reference, "", "")
    path, error = checked_path(path_part, environ)
    if error:
        return None, error
    return f"{path}{hash_sign}{record}", None
