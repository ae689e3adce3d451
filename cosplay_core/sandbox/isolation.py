"""What this machine can isolate, and the command line that starts a runner inside that isolation.

Layers, each used when the machine allows it and reported when it does not (never silently):
- bubblewrap: a private view of the filesystem (only the interpreter's files, read-only, and one scratch folder),
  new user, PID, network, IPC and UTS namespaces, an unprivileged uid, no capabilities;
- without bubblewrap, `unshare --net` for the network alone; the filesystem is then NOT isolated;
- cgroups (v1 `pids` and `memory`): a process cap that binds root (RLIMIT_NPROC does not) and a memory cap that does
  not break thread creation (RLIMIT_AS does); without them, RLIMIT_AS is the memory cap and the process count is
  bounded by the PID namespace's lifetime only.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SCRATCH_INSIDE = "/scratch"
RUNNER_INSIDE = "/cosplay/sandbox/runner.py"  # the one project file a sandbox sees: the runner itself
_counter = itertools.count()


@dataclass(frozen=True)
class Isolation:
    """Which isolation layers are in force. `warnings` says, in plain words, what is missing."""

    method: str  # "bwrap", "unshare" or "none"
    filesystem: bool
    network: bool
    pid_namespace: bool
    process_cap: bool
    memory_cap: str  # "cgroup" or "rlimit"
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return not self.warnings


def _interpreter() -> str:
    """The real interpreter behind sys.executable (a venv's python is a link into the base install)."""
    return os.path.realpath(sys.executable)


def _runs(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=None)
def _own_cgroup(controller: str) -> Path | None:
    """The writable folder for our own cgroup under a v1 controller, or None."""
    root = Path("/sys/fs/cgroup") / controller
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                folder = root / path.lstrip("/")
                probe = folder / f"cosplay-probe-{uuid.uuid4().hex}"
                probe.mkdir()
                probe.rmdir()
                return folder
    except (OSError, ValueError):
        return None
    return None


@functools.lru_cache(maxsize=4)
def detect(allow_bwrap: bool = True, allow_cgroups: bool = True) -> Isolation:
    """Probes the machine once (per argument set) and says which layers are available."""
    warnings = []
    bwrap = shutil.which("bwrap") if allow_bwrap else None
    method = "none"
    if bwrap and _runs(_bwrap_prefix(bwrap, Path("/"), probe=True) + [_interpreter(), "-S", "-c", "pass"]):
        method = "bwrap"
    elif shutil.which("unshare") and _runs(["unshare", "--net", "true"]):
        method = "unshare"
    if method != "bwrap":
        warnings.append("filesystem not isolated: programs can read files this user can read (install bubblewrap)")
    if method == "none":
        warnings.append("network not isolated: programs can open connections (no network namespace)")
    pids = _own_cgroup("pids") if allow_cgroups else None
    memory = _own_cgroup("memory") if allow_cgroups else None
    if pids is None:
        warnings.append("no pids cgroup: the number of processes a program starts is not capped")
    return Isolation(
        method=method,
        filesystem=method == "bwrap",
        network=method in ("bwrap", "unshare"),
        pid_namespace=method == "bwrap",
        process_cap=pids is not None,
        memory_cap="cgroup" if memory is not None else "rlimit",
        warnings=tuple(warnings),
    )


def _bwrap_prefix(bwrap: str, scratch: Path, probe: bool = False) -> list[str]:
    interpreter_home = Path(sys.base_prefix).resolve()
    cmd = [
        bwrap,
        "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
        "--die-with-parent", "--new-session", "--clearenv",
        "--ro-bind", "/usr", "/usr",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
    ]
    for name in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    if not str(interpreter_home).startswith("/usr/"):
        cmd += ["--ro-bind", str(interpreter_home), str(interpreter_home)]
    interpreter_dir = Path(_interpreter()).parent
    if not str(interpreter_dir).startswith(("/usr/", str(interpreter_home))):
        cmd += ["--ro-bind", str(interpreter_dir), str(interpreter_dir)]
    if not probe:
        cmd += ["--bind", str(scratch), SCRATCH_INSIDE, "--chdir", SCRATCH_INSIDE]
        cmd += [arg for key, value in _program_env(SCRATCH_INSIDE).items() for arg in ("--setenv", key, value)]
    return cmd


def _program_env(home: str) -> dict[str, str]:
    """The whole environment a program sees: no keys, no tokens, nothing of the caller's."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "PYTHONIOENCODING": "utf-8", "TMPDIR": "/tmp"}


@dataclass
class Cgroups:
    """The per-server cgroup folders (if any), removed by `remove` once their processes are gone."""

    folders: list[Path]

    @classmethod
    def create(cls, isolation: Isolation, max_pids: int, memory_bytes: int) -> "Cgroups":
        folders = []
        name = f"cosplay-{os.getpid()}-{next(_counter)}"
        if isolation.process_cap:
            folder = _own_cgroup("pids") / name
            folder.mkdir()
            folders.append(folder)
        if isolation.memory_cap == "cgroup":
            folder = _own_cgroup("memory") / name
            folder.mkdir()
            folders.append(folder)
        cgroups = cls(folders)
        cgroups.set_limits(max_pids, memory_bytes)
        return cgroups

    def set_limits(self, max_pids: int, memory_bytes: int) -> None:
        """Sets the process cap and the memory cap (memory and swap together, where swap is accounted)."""
        for folder in self.folders:
            if (folder / "pids.max").exists():
                (folder / "pids.max").write_text(str(max_pids))
            if (folder / "memory.limit_in_bytes").exists():
                swap = folder / "memory.memsw.limit_in_bytes"
                # memsw must stay >= memory: order the two writes by direction.
                order = [folder / "memory.limit_in_bytes", swap]
                if swap.exists() and int(swap.read_text()) < memory_bytes:
                    order.reverse()
                for path in order:
                    try:
                        path.write_text(str(memory_bytes))
                    except OSError:
                        pass  # no swap accounting: there is no swap to escape to then

    def kill_all(self) -> None:
        """Kills every process still in these cgroups (daemons that left the process group included)."""
        for _ in range(50):
            pids = set()
            for folder in self.folders:
                try:
                    pids.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
                except OSError:
                    pass
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            time.sleep(0.002)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.folders:
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.005)


def runner_command(isolation: Isolation, scratch: Path, cgroups: Cgroups, stack_bytes: int) -> tuple[list[str], dict]:
    """The argv and environment that start a runner under `isolation`, its working folder `scratch`.

    A tiny shell prologue puts the process into its cgroups and raises the stack limit before anything else runs,
    so that every process the runner starts is inside them (a thread-safe alternative to preexec_fn).
    """
    runner = Path(__file__).resolve().parent / "runner.py"
    if isolation.method == "bwrap":
        python = [_interpreter(), "-S", "-s", "-P", RUNNER_INSIDE, "--private-tmp"]
    else:
        python = [_interpreter(), "-S", "-s", "-P", str(runner)]
    prologue = "".join(f'echo $$ > "{folder}/cgroup.procs" && ' for folder in cgroups.folders)
    prologue += f'ulimit -s {stack_bytes // 1024} 2>/dev/null; exec "$@"'
    if isolation.method == "bwrap":
        inner = _bwrap_prefix(shutil.which("bwrap"), scratch) + ["--ro-bind", str(runner), RUNNER_INSIDE] + python
        env = {"PATH": "/usr/bin:/bin"}
    else:
        inner = (["unshare", "--net"] if isolation.method == "unshare" else []) + python
        env = _program_env(str(scratch))
    return ["/bin/sh", "-c", prologue, "sh"] + inner, env
