"""What this machine can isolate, and how a runner is started inside that isolation.

Layers, each used when the machine allows it and reported when it does not (never silently):
- bubblewrap: a private view of the filesystem (the interpreter's files and the allowed packages, read-only, and
  tmpfs folders), new user, PID, network, IPC and UTS namespaces; the runner is PID 1 of the sandbox (no other
  process there holds the control channel). Every process of the sandbox runs as the host's unprivileged `nobody`
  user (uid 65534): when the harness is root, the sandbox's user namespace maps its uid 65534 to the host's 65534,
  so nothing a program does is done as the host's root. The runner keeps capabilities inside its user namespace to
  give every input fresh namespaces (see runner.py); programs have none;
- without bubblewrap, `unshare --net` for the network alone; the filesystem is then NOT isolated and inputs share
  one working folder, emptied after each;
- cgroups (v1 `pids` and `memory`): a process cap that binds root (RLIMIT_NPROC does not) and a memory cap that does
  not break thread creation (RLIMIT_AS does); without them, RLIMIT_AS is the memory cap and the process count is
  bounded by the PID namespace's lifetime only.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import importlib.util
import itertools
import json
import marshal
import os
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

SANDBOX_UID = 65534  # nobody, inside the sandbox and on the host
DEFAULT_PACKAGES = ("sortedcontainers",)  # what judges ship to programs; see `package_folders`
_counter = itertools.count()
_RUNNER_SOURCE = (Path(__file__).resolve().parent / "runner.py").read_text()
# The runner's interpreter reads its code, compiled and marshalled once per harness process, as the first bytes on
# its stdin (eight decimal digits of size, then the code): compiling the runner costs each server ~8 ms of CPU.
_BOOTSTRAP = """import marshal, os, sys
sys.path[:] = [folder for folder in sys.path if folder]  # no working folder on the path (on 3.11+ -P keeps it off)
def _read(size):
    data = b""
    while len(data) < size:
        chunk = os.read(0, size - len(data))
        if not chunk:
            raise SystemExit(3)
        data += chunk
    return data
exec(marshal.loads(_read(int(_read(8)))))
"""


def _which(name: str) -> str | None:
    """The first executable file `name` on PATH, as `shutil.which` finds it (without importing shutil, and with it
    tempfile's and three compression modules, on the command's start)."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(folder, name)
        if os.access(path, os.F_OK | os.X_OK) and not os.path.isdir(path):
            return path
    return None


def _cache_folder() -> Path:
    """The user's cache folder for the sandbox's remembered probes and compiled runner."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cosplay"


@functools.lru_cache(maxsize=1)
def _runner_code() -> bytes:
    """The runner's code object, marshalled, with its size in front (the runner runs on this very interpreter).

    Kept in the user's cache folder under a hash of the runner's source and this interpreter's version and bytecode
    magic: a fresh `cosplay exec` reads it (~0.2 ms) instead of compiling the runner (~12 ms of CPU on its servers'
    start-up path). A file that is not a whole marshalled code of its stated size is ignored and written anew."""
    key = hashlib.sha256(_RUNNER_SOURCE.encode() + sys.version.encode() + importlib.util.MAGIC_NUMBER
                         + str(marshal.version).encode()).hexdigest()[:32]
    path = _cache_folder() / f"runner-{key}.marshal"
    try:
        data = path.read_bytes()
        if data[:8].isdigit() and int(data[:8]) == len(data) - 8:
            return data
    except OSError:
        pass
    code = marshal.dumps(compile(_RUNNER_SOURCE, "<string>", "exec", dont_inherit=True))
    data = b"%08d" % len(code) + code
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("runner-*.marshal"):  # other sources' and interpreters', once a day old
            if time.time() - old.stat().st_mtime > PROBE_MEMORY_S:
                old.unlink()
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        pass
    return data


@dataclass(frozen=True)
class Isolation:
    """Which isolation layers are in force. `warnings` says, in plain words, what is missing."""

    method: str  # "bwrap", "unshare" or "none"
    filesystem: bool
    network: bool
    pid_namespace: bool
    process_cap: bool
    memory_cap: str  # "cgroup" or "rlimit"
    per_input: bool = False  # fresh PID, mount, IPC and UTS namespaces and tmpfs folders for every input
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return not self.warnings


def _interpreter() -> str:
    """The real interpreter behind sys.executable (a venv's python is a link into the base install)."""
    return os.path.realpath(sys.executable)


@functools.lru_cache(maxsize=None)
def _own_cgroup(controller: str) -> Path | None:
    """The writable folder for our own cgroup under a v1 controller, or None."""
    root = Path("/sys/fs/cgroup") / controller
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                folder = root / path.lstrip("/")
                probe = folder / f"cosplay-probe-{os.urandom(16).hex()}"
                probe.mkdir()
                probe.rmdir()
                return folder
    except (OSError, ValueError):
        return None
    return None


_PROBE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
os.rmdir("/dev/shm")
os.symlink("/box/shm", "/dev/shm")
for point in (b"/dev", b"/"):
    assert libc.mount(None, point, None, ctypes.c_ulong(0x1027), None) == 0  # remount, bind, read-only
assert libc.unshare(0x20000000) == 0
pid = os.fork()
if pid == 0:
    ok = libc.unshare(0x00020000 | 0x04000000 | 0x08000000) == 0
    ok = ok and libc.mount(None, b"/", None, ctypes.c_ulong(0x44000), None) == 0
    ok = ok and libc.mount(b"tmpfs", b"/box", b"tmpfs", ctypes.c_ulong(6), b"size=1m") == 0
    os.mkdir("/box/tmp")
    os.chmod("/box/tmp", 0o1777)
    ok = ok and libc.mount(b"proc", b"/proc", b"proc", ctypes.c_ulong(14), None) == 0
    try:
        os.setgroups([])
    except PermissionError:
        pass
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    ok = ok and os.getuid() == 65534 and "CapEff:\t0000000000000000" in open("/proc/self/status").read()
    open("/tmp/probe", "w").close()
    os._exit(0 if ok else 1)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


@functools.lru_cache(maxsize=4)
def detect(allow_bwrap: bool = True, allow_cgroups: bool = True) -> Isolation:
    """Probes the machine once (per argument set) and says which layers are available."""
    warnings = []
    method, per_input = "none", False
    if allow_bwrap and _which("bwrap"):
        for with_namespaces in (True, False):
            isolation = Isolation("bwrap", True, True, True, False, "rlimit", per_input=with_namespaces)
            source = _PROBE if with_namespaces else "pass"
            if _probe_remembered(isolation, source):
                method, per_input = "bwrap", with_namespaces
                break
    if method == "none" and _which("unshare") and _runs(["unshare", "--net", "true"]):
        method = "unshare"
    if method != "bwrap":
        warnings.append("filesystem not isolated: programs can read files this user can read (install bubblewrap)")
    elif not per_input:
        warnings.append("inputs share namespaces: bubblewrap cannot give each input its own (folders are emptied "
                        "between inputs instead)")
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
        per_input=per_input,
        warnings=tuple(warnings),
    )


def _runs(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


PROBE_MEMORY_S = 24 * 3600


def _probe_remembered(isolation: Isolation, source: str) -> bool:
    """`_probe`, its success remembered for a day in the user's cache folder for this bubblewrap, interpreter,
    kernel and user (a command started many times then does not pay the probe's ~100 ms each time); a failure is
    never remembered."""
    bwrap = _which("bwrap") or ""
    try:
        info = os.stat(bwrap)
        key = json.dumps([bwrap, info.st_mtime_ns, info.st_size, _interpreter(), os.uname().release, os.geteuid(),
                          isolation.per_input, hashlib.sha256(source.encode()).hexdigest()])
    except OSError:
        return _probe(isolation, source)
    key = hashlib.sha256(key.encode()).hexdigest()
    folder = _cache_folder()
    path = folder / "sandbox-probes.json"
    try:
        remembered = json.loads(path.read_text())
        if time.time() - float(remembered.get(key, 0)) < PROBE_MEMORY_S:
            return True
    except (OSError, ValueError, AttributeError, TypeError):
        remembered = {}
    if not _probe(isolation, source):
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remembered = {k: v for k, v in remembered.items() if isinstance(v, (int, float))
                      and time.time() - v < PROBE_MEMORY_S}
        remembered[key] = time.time()
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(remembered))
        os.replace(temporary, path)
    except OSError:
        pass
    return True


def _probe(isolation: Isolation, source: str) -> bool:
    """Whether `source` runs and exits 0 inside `isolation`'s sandbox."""
    try:
        import tempfile  # only when probing: not on a command's start, whose probe is remembered

        with tempfile.TemporaryDirectory(prefix=f"cosplay-scratch-{os.getpid()}-") as scratch:
            proc = start_runner(isolation, Path(scratch), Cgroups([]), 64 << 20, (), source=source, argv=[],
                                stdout=subprocess.DEVNULL)
            try:
                return proc.wait(timeout=20) == 0
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                return False
    except OSError:
        return False


# ---- packages programs may import --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def package_folders(names: tuple[str, ...]) -> tuple[Path, ...]:
    """The installed folders (or single-module files) of the allowed packages, and their compiled-library folders
    (`numpy.libs`); ValueError naming a package that is not installed."""
    found = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin and not spec.submodule_search_locations:
            raise ValueError(f"package {name!r} is allowed in the sandbox but not installed (pip install {name})")
        origin = list(spec.submodule_search_locations)[0] if spec.submodule_search_locations else spec.origin
        assert origin is not None, "a spec without search locations has an origin (checked above)"
        path = Path(origin)
        found.append(path.resolve())
        libs = path.parent / f"{name}.libs"
        if libs.is_dir():
            found.append(libs.resolve())
    return tuple(found)


# Folders the sandbox lays out itself (/tmp is a link into each input's tmpfs): a host folder below one of them (a
# venv made in /tmp, say) is bound below HOST_FOLDERS instead, at the same path otherwise.
SANDBOX_LAYOUT = (Path("/tmp"), Path("/box"), Path("/scratch"), Path("/dev"), Path("/proc"))
HOST_FOLDERS = Path("/host")


def sandbox_path(path: Path) -> Path:
    """Where bubblewrap binds the host's `path` inside the sandbox: at its own path, or below HOST_FOLDERS when that
    path is one the sandbox makes itself."""
    if any(path == top or top in path.parents for top in SANDBOX_LAYOUT):
        return HOST_FOLDERS / path.relative_to("/")
    return path


def _package_site(folders: tuple[Path, ...], scratch: Path, isolation: Isolation) -> str:
    """The folder to put on the program's sys.path: inside bubblewrap the packages' own site folder (which shows
    only the allowed packages there); without it, a folder of links to them next to the scratch folder."""
    if not folders:
        return ""
    if isolation.method == "bwrap":
        sites = {str(sandbox_path(folder.parent)) for folder in folders}
        return sorted(sites)[0] if len(sites) == 1 else ":".join(sorted(sites))
    site = scratch.parent / f"{scratch.name}-site"
    site.mkdir(exist_ok=True)
    for folder in folders:
        link = site / folder.name
        if not link.exists():
            link.symlink_to(folder)
    return str(site)


# ---- cgroups -----------------------------------------------------------------------------------------------------


@dataclass
class Cgroups:
    """The per-server cgroup folders (if any), removed by `remove` once their processes are gone."""

    folders: list[Path]
    memory_in_force: bool = False  # the memory cgroup exists and holds the cap last asked for

    @classmethod
    def create(cls, isolation: Isolation, max_pids: int, memory_bytes: int) -> "Cgroups":
        folders = []
        name = f"cosplay-{os.getpid()}-{next(_counter)}"
        pids, memory = _own_cgroup("pids"), _own_cgroup("memory")
        if isolation.process_cap and pids is not None:
            (pids / name).mkdir()
            folders.append(pids / name)
        if isolation.memory_cap == "cgroup" and memory is not None:
            (memory / name).mkdir()
            folders.append(memory / name)
        cgroups = cls(folders)
        cgroups.set_limits(max_pids, memory_bytes)
        return cgroups

    def set_limits(self, max_pids: int, memory_bytes: int) -> None:
        """Sets the process cap and the memory cap (memory and swap together, where swap is accounted);
        `memory_in_force` then says whether the kernel holds that memory cap (reading it back): it refuses to lower
        a cap below what the cgroup holds, and a server may have no memory cgroup at all (one could not be made),
        so the caller caps memory another way when it is False."""
        self.memory_in_force = False
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
                try:
                    held = int((folder / "memory.limit_in_bytes").read_text())
                except (OSError, ValueError):
                    held = -1
                self.memory_in_force = 0 <= held <= memory_bytes + 4095  # the kernel rounds to a page

    def oom_kills(self) -> int:
        """How many processes the kernel has killed for memory in these cgroups so far (0 where not counted)."""
        for folder in self.folders:
            try:
                for line in (folder / "memory.oom_control").read_text().splitlines():
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
            except (OSError, ValueError):
                pass
        return 0

    def reset_memory_peak(self) -> None:
        """Starts a new peak of the memory cgroup's usage (`memory.max_usage_in_bytes`)."""
        for folder in self.folders:
            try:
                (folder / "memory.max_usage_in_bytes").write_text("0")
            except OSError:
                pass

    def reached_memory_cap(self) -> bool:
        """Whether the memory cgroup's usage has reached its cap since the peak was last reset."""
        for folder in self.folders:
            try:
                peak = int((folder / "memory.max_usage_in_bytes").read_text())
                cap = int((folder / "memory.limit_in_bytes").read_text())
            except (OSError, ValueError):
                continue
            return peak >= cap - (64 << 10)
        return False

    def kill_all(self) -> None:
        """Kills every process still in these cgroups (daemons that left the process group included)."""
        _kill_cgroups(self.folders)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.folders:
            _remove_cgroup(folder)


def _kill_cgroups(folders: list[Path]) -> None:
    for _ in range(50):
        pids: set[int] = set()
        for folder in folders:
            try:
                pids.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except OSError:
                pass
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.002)


def _remove_cgroup(folder: Path) -> None:
    for _ in range(50):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.005)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except OSError:
        return True


@functools.lru_cache(maxsize=None)
def sweep_stale(scratch_root: str | None = None) -> int:
    """Removes what harnesses that died without cleaning up (SIGKILL) left behind: their cgroups and scratch
    folders (named after the harness's pid). Runs once per process and folder; returns how many it removed."""
    removed = 0
    for controller in ("pids", "memory"):
        root = _own_cgroup(controller)
        if root is None:
            continue
        for folder in root.glob("cosplay-*-*"):
            parts = folder.name.split("-")
            if len(parts) == 3 and parts[1].isdigit() and not _alive(int(parts[1])):
                _kill_cgroups([folder])
                _remove_cgroup(folder)
                removed += 1
    import tempfile

    for folder in Path(scratch_root or tempfile.gettempdir()).glob("cosplay-scratch-*"):
        parts = folder.name.split("-")
        if len(parts) >= 4 and parts[2].isdigit() and not _alive(int(parts[2])):
            remove_tree(folder)
            removed += 1
    return removed


def remove_tree(path: Path) -> None:
    """Removes a folder however deep, with whatever permissions were set inside it, without recursion and without
    following links; never raises. (The runner's own remover: the runner imports nothing from the project.)"""
    from cosplay_core.sandbox.runner import remove_tree_contents

    remove_tree_contents(str(path))
    try:
        os.rmdir(path)
    except OSError:
        pass


# ---- starting a runner -----------------------------------------------------------------------------------------


def _bwrap_args(isolation: Isolation, folders: tuple[Path, ...]) -> list[str]:
    interpreter_home = Path(sys.base_prefix).resolve()
    cmd = [
        _which("bwrap") or "bwrap",
        "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
        "--die-with-parent", "--new-session", "--as-pid-1", "--clearenv", "--hostname", "sandbox",
        "--ro-bind", "/usr", "/usr",
        "--proc", "/proc", "--dev", "/dev",
    ]
    if isolation.per_input:  # one tmpfs per input at /box (the runner's `_seal_layout` links /dev/shm there too)
        cmd += ["--dir", "/box", "--symlink", "/box/tmp", "/tmp", "--symlink", "/box/work", "/scratch", "--chdir", "/"]
    else:
        cmd += ["--tmpfs", "/tmp", "--tmpfs", "/dev/shm", "--tmpfs", "/scratch", "--chdir", "/scratch"]
    cmd += ["--cap-add", "ALL"]  # the runner's, inside its user namespace; program processes drop them all
    for name in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    binds = []
    if not str(interpreter_home).startswith("/usr/"):
        binds.append(interpreter_home)
    interpreter_dir = Path(_interpreter()).parent
    if not str(interpreter_dir).startswith(("/usr/", str(interpreter_home))):
        binds.append(interpreter_dir)
    made: set[Path] = set()
    for target in binds + list(folders):  # the folders above each bind, readable by programs (bubblewrap: 0700)
        for parent in reversed(sandbox_path(target).parents[:-1]):
            if parent not in made and not str(parent).startswith("/usr"):
                cmd += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
    for target in binds:
        cmd += ["--ro-bind", str(target), str(sandbox_path(target))]
    sites = [sandbox_path(site) for site in _site_folders(interpreter_home)]
    for site in sites:  # only the allowed packages, not what the interpreter has installed
        cmd += ["--perms", "0755", "--tmpfs", str(site)]
    for folder in folders:
        inside = sandbox_path(folder)
        for parent in reversed(inside.parents[:-1]):
            if any(parent == site or site in parent.parents for site in sites):
                cmd += ["--perms", "0755", "--dir", str(parent)]
        cmd += ["--ro-bind", str(folder), str(inside)]
    cmd += [arg for key, value in program_env("/scratch").items() for arg in ("--setenv", key, value)]
    cmd += ["--setenv", *RUNNER_ONLY_ENV]
    return cmd


def _site_folders(interpreter_home: Path) -> list[Path]:
    """The interpreter's own folders of installed packages (site-packages, Debian's dist-packages)."""
    found = []
    for base in (interpreter_home, Path("/usr"), Path("/usr/local")):
        for pattern in ("lib/python3*/site-packages", "lib/python3*/dist-packages", "lib/python3/dist-packages"):
            found += [path for path in base.glob(pattern) if path.is_dir()]
    return sorted(set(found))


def switches_user(isolation: Isolation) -> bool:
    """Whether programs run as the sandbox's user (nobody): always inside bubblewrap; without it, only when the
    harness is root and nobody can read the interpreter's files (a home folder of 0700 hides them)."""
    if isolation.method == "bwrap":
        return True
    if os.geteuid() != 0:
        return False
    path = Path(os.__file__).resolve().parent
    try:
        if not path.stat().st_mode & stat.S_IROTH:
            return False
        return all(folder.stat().st_mode & stat.S_IXOTH for folder in [path, *path.parents])
    except OSError:
        return False


# The runner's only variable beyond a program's, which the runner removes before it forks anything: the dynamic
# loader binds every symbol when it loads a library, once, rather than on first call in each program process.
RUNNER_ONLY_ENV = ("LD_BIND_NOW", "1")


# How the runner's interpreter starts: `-I` but for `-E` (no user site, no site, no working folder on the path), so
# that it reads the environment `program_env` sets, which is all it has (bubblewrap clears the rest, and so does
# the fallback). `-I` would ignore PYTHONHASHSEED, and every server would hash strings with a random key of its own:
# a program's set and dict orders, and so its output, would change from run to run.
INTERPRETER_FLAGS = ("-s", "-S", "-P") if sys.version_info >= (3, 11) else ("-s", "-S")


def program_env(home: str) -> dict[str, str]:
    """The whole environment a program sees: no keys, no tokens, nothing of the caller's."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "PYTHONIOENCODING": "utf-8", "TMPDIR": "/tmp"}


def start_runner(isolation: Isolation, scratch: Path, cgroups: Cgroups, stack_bytes: int,
                 packages: tuple[str, ...], source: str | None = None, argv: list[str] | None = None,
                 stdout: int | IO[bytes] = subprocess.PIPE, stderr: int | IO[bytes] | None = None) -> subprocess.Popen:
    """Starts `source` (the runner, by default: its compiled code goes first on stdin) under `isolation`, its stdin
    and stdout the control channel.

    A tiny shell prologue puts the process into its cgroups and raises the stack limit before anything else runs,
    so that every process the runner starts is inside them. When the harness is root, the sandbox's user namespace
    is mapped by hand (root to root for bubblewrap's own setup, 65534 to 65534 for everything after it), so that
    the sandbox's processes are the host's `nobody`, never the host's root.
    """
    folders = package_folders(packages) if packages else ()
    site = _package_site(folders, scratch, isolation)
    if isolation.method == "bwrap":
        mode = "namespaces" if isolation.per_input else "private"
    else:
        mode = "plain" if switches_user(isolation) else "plain-as-caller"
    interpreter = str(sandbox_path(Path(_interpreter()))) if isolation.method == "bwrap" else _interpreter()
    python = [interpreter, *INTERPRETER_FLAGS, "-c", source or _BOOTSTRAP] + ([mode, site] if argv is None else argv)
    prologue = "".join(f'echo $$ > "{folder}/cgroup.procs" && ' for folder in cgroups.folders)
    # Out of memory, the kernel takes a program (which raises its own score to the top), never the runner.
    prologue += "echo -1000 > /proc/self/oom_score_adj 2>/dev/null; "
    prologue += f'ulimit -s {stack_bytes // 1024} 2>/dev/null; exec "$@"'
    pass_fds: tuple[int, ...] = ()
    map_by_hand = isolation.method == "bwrap" and os.geteuid() == 0
    if isolation.method == "bwrap":
        inner = _bwrap_args(isolation, folders)
        if map_by_hand:
            info_r, info_w = os.pipe()
            block_r, block_w = os.pipe()
            inner += ["--info-fd", str(info_w), "--userns-block-fd", str(block_r)]
            pass_fds = (info_w, block_r)
        inner += python
        env = {"PATH": "/usr/bin:/bin"}
    else:
        inner = (["unshare", "--net"] if isolation.method == "unshare" else []) + python
        env = program_env(str(scratch)) | dict([RUNNER_ONLY_ENV])
    try:
        proc = subprocess.Popen(["/bin/sh", "-c", prologue, "sh"] + inner, stdin=subprocess.PIPE, stdout=stdout,
                                stderr=stderr, env=env, cwd=scratch, start_new_session=True, close_fds=True,
                                pass_fds=pass_fds)
    finally:
        for fd in pass_fds:
            os.close(fd)
    if map_by_hand:
        try:
            _map_user_namespace(info_r, block_w)
        except OSError:
            proc.kill()
            proc.wait()
            raise
        finally:
            os.close(info_r)
            os.close(block_w)
    if source is None:
        assert proc.stdin is not None, "the runner's stdin is a pipe (Popen above)"
        code = _runner_code()
        try:  # room for all of the code: the write does not wait for the runner's interpreter to start and read it
            fcntl.fcntl(proc.stdin.fileno(), fcntl.F_SETPIPE_SZ, len(code) + (1 << 16))
        except OSError:
            pass
        try:  # a runner that could not start shows as a closed channel on the first request
            proc.stdin.write(code)
            proc.stdin.flush()
        except OSError:
            pass
    return proc


def _map_user_namespace(info_r: int, block_w: int) -> None:
    """Reads bubblewrap's info (the sandbox's first pid), writes its uid and gid maps, and lets it go on."""
    data = b""
    deadline = time.monotonic() + 20
    while b"}" not in data and time.monotonic() < deadline:
        chunk = os.read(info_r, 4096)
        if not chunk:
            raise OSError("bubblewrap ended before its user namespace was ready")
        data += chunk
    pid = int(json.loads(data[: data.index(b"}") + 1])["child-pid"])
    mapping = f"0 0 1\n{SANDBOX_UID} {SANDBOX_UID} 1\n"
    Path(f"/proc/{pid}/uid_map").write_text(mapping)
    Path(f"/proc/{pid}/gid_map").write_text(mapping)
    os.write(block_w, b"1")
