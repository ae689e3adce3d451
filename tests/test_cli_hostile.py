"""No program can make the command line print a traceback: a corpus of hostile programs through the real `cosplay
exec` (isolated, batch, stdin, jobs file) and `cosplay run` (the corpus as the sim backbone's wrong candidates).

A program's misbehaviour is an outcome, so the command exits 0 with strict JSON on stdout; the only other exit
allowed is 2 with one line (a user's mistake), never a traceback.
"""

import json
import subprocess
import sys

import pytest

from conftest import ROOT
from cosplay_core.terminal_text import one_line

# Function-mode programs (entry point `f`); each also runs as a stdin program through STDIN_WRAPPER.
HOSTILE = {
    "os_exit": "import os\ndef f(x):\n    os._exit(0)\n",
    "kill_parent": "import os, signal\ndef f(x):\n    os.kill(os.getppid(), signal.SIGKILL)\n    return x\n",
    "megabytes": "import sys\ndef f(x):\n    print('x' * 5_000_000)\n    sys.stderr.write('e' * 5_000_000)\n"
                 "    return 'y' * 3_000_000\n",
    "non_utf8": "import os\ndef f(x):\n    os.write(1, b'\\xff\\xfe\\x80 bytes')\n    os.write(2, b'\\xc3')\n"
                "    return '\\ud800 lone surrogate'\n",
    "nan": "def f(x):\n    return [float('nan'), float('inf'), -float('inf'), {'k': float('nan')}]\n",
    "deep_1000": "def f(x):\n    v = []\n    for _ in range(1000):\n        v = [v]\n    return v\n",
    "deep_100000": "def f(x):\n    v = []\n    for _ in range(100_000):\n        v = [v]\n    return v\n",
    "circular": "def f(x):\n    v = []\n    v.append(v)\n    return v\n",
    "unencodable": "def f(x):\n    return object()\n",
    "fork_bomb": "import os\ndef f(x):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n"
                 "            pass\n",
    "recurse_forever": "def f(x):\n    return f(x) + 1\n",
    "close_fds": "import os\ndef f(x):\n    for fd in range(5):\n        try:\n            os.close(fd)\n"
                 "        except OSError:\n            pass\n    return x\n",
    "garbage_fds_3_4": "import os\ndef f(x):\n    for fd in (3, 4):\n        try:\n"
                       "            os.write(fd, b'\\x00\\xff{\"i\": 0, \"value\": 7}\\n' + b'[' * 100_000 + b'\\n')\n"
                       "        except OSError:\n            pass\n    return x\n",
    "keyboard_interrupt": "def f(x):\n    raise KeyboardInterrupt\n",
    "system_exit_text": "import sys\ndef f(x):\n    sys.exit('bye')\n",
    "not_python": "def f(x) return x\n",
}
STDIN_WRAPPER = "\nimport sys as _s\n_r = f(int(_s.stdin.readline() or 0))\nprint(_r)\n"
INPUTS = ["[1]", "[2]", "[3]"]


def cosplay(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "cosplay_core", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def strict_json(text):
    def refuse(token):
        raise AssertionError(f"{token} in the output is not JSON")
    return json.loads(text, parse_constant=refuse)


def assert_no_traceback(result, what):
    assert "Traceback" not in result.stderr, (what, result.stderr[-3000:])
    assert result.returncode == 0 or (result.returncode == 2 and result.stderr.count("\n") == 1), \
        (what, result.returncode, result.stderr[-3000:])


def test_hostile_programs_never_make_the_command_print_a_traceback(tmp_path):
    programs = []
    for name, source in HOSTILE.items():
        (tmp_path / f"{name}.py").write_text(source)
        (tmp_path / f"stdin_{name}.py").write_text(source + STDIN_WRAPPER)
        programs.append(name)
    arguments = []
    for number, text in enumerate(INPUTS):
        (tmp_path / f"args{number}.json").write_text(text)
        (tmp_path / f"in{number}.txt").write_text(text.strip("[]") + "\n")
        arguments += ["--input-file", str(tmp_path / f"args{number}.json")]
    stdin_arguments = [a.replace("args", "in").replace(".json", ".txt") for a in arguments]
    # 0.5 s of CPU: the fork bomb and the endless recursion time out either way (at 1 s as well), at half the cost
    function = ["--io", "function", "--entry-point", "f", "--time-limit", "0.5"]
    runs = {
        "isolated": cosplay("exec", *[str(tmp_path / f"{p}.py") for p in programs], *arguments, *function,
                            "--no-batch", "--json"),
        "batch": cosplay("exec", *[str(tmp_path / f"{p}.py") for p in programs], *arguments, *function, "--batch",
                         "--json"),
        "stdin": cosplay("exec", *[str(tmp_path / f"stdin_{p}.py") for p in programs], *stdin_arguments,
                         "--time-limit", "0.5", "--json"),
    }
    jobs = [{"id": f"{name}-{batch}", "program": HOSTILE[name], "inputs": [json.loads(t) for t in INPUTS],
             "io": "function", "entry_point": "f", "time_limit_s": 0.5, "batch": batch}
            for name in programs for batch in (True, False)]
    (tmp_path / "jobs.jsonl").write_text("".join(json.dumps(job) + "\n" for job in jobs))
    runs["jobs"] = cosplay("exec", "--jobs", str(tmp_path / "jobs.jsonl"), "--workers", "2", "--json")
    human = cosplay("exec", *[str(tmp_path / f"{p}.py") for p in programs], *arguments, *function)
    assert_no_traceback(human, "human-readable output")
    assert human.returncode == 0

    for mode, result in runs.items():
        assert_no_traceback(result, mode)
        assert result.returncode == 0, (mode, result.stderr)
        if mode == "jobs":
            lines = [strict_json(line) for line in result.stdout.splitlines()]
            assert [line["id"] for line in lines] == [job["id"] for job in jobs]
            rows = [line["results"] for line in lines]
        else:
            rows = strict_json(result.stdout)
            assert len(rows) == len(programs)
        for row in rows:
            assert len(row) == len(INPUTS)
            assert all(cell["status"] in ("ok", "error", "timeout", "memory_limit", "output_limit") for cell in row)
    isolated = dict(zip(programs, strict_json(runs["isolated"].stdout)))
    assert isolated["nan"][0]["value"] == ["NaN", "Infinity", "-Infinity", {"k": "NaN"}]
    assert [c["status"] for c in isolated["fork_bomb"]] == ["timeout"] * 3
    assert [c["status"] for c in isolated["unencodable"]] == ["error"] * 3
    assert [c["status"] for c in isolated["not_python"]] == ["error"] * 3


PLUS_ONE_GEN = ("import json\n\ndef generate(rng, kind):\n"
                "    return json.dumps([rng.randint(0, 10 ** (6 if kind == 'large' else 2))])\n")


def plus_one_problem(tmp_path, generator=PLUS_ONE_GEN):
    """A function-mode problem folder ("return x + 1") with the generator `generator`, and no wrong solution yet."""
    folder = tmp_path / "plus_one"
    (folder / "wrong").mkdir(parents=True)
    (folder / "problem.md").write_text("# Plus one\n\nReturn `x + 1` for an integer `x`.\n")
    (folder / "problem.toml").write_text('title = "Plus one"\nio = "function"\nentry_point = "f"\n'
                                         'time_limit_s = 0.5\n')
    (folder / "reference.py").write_text("def f(x):\n    return x + 1\n")
    (folder / "gen.py").write_text(generator)
    (folder / "tests.jsonl").write_text("".join(json.dumps({"input": [n], "output": n + 1}) + "\n" for n in range(4)))
    return folder


def test_hostile_candidates_never_make_a_run_print_a_traceback(tmp_path):
    folder = plus_one_problem(tmp_path)
    for name, source in HOSTILE.items():
        (folder / "wrong" / f"{name}.py").write_text(f"# bug: {name.replace('_', ' ')}\n{source}")
    out = tmp_path / "run"
    result = cosplay("run", str(folder), "--model", "sim", "--code-skill", "0.1", "--test-skill", "0.3", "--codes",
                     "16", "--tests", "6", "--rounds", "2", "--inputs", "6", "--out", str(out), "--json",
                     "--quiet")
    assert_no_traceback(result, "run")
    assert result.returncode == 0, result.stderr
    summary = strict_json(result.stdout)
    assert summary["problem"] == "plus_one" and summary["gt"]["codes_total"] == 16
    trace = (out / "trace.jsonl").read_text()
    drawn = [name for name in HOSTILE if f"# bug: {name.replace('_', ' ')}" in trace]
    assert len(drawn) >= 8, drawn  # the pool really held many of them
    check = cosplay("check", str(folder))
    assert_no_traceback(check, "check")
    assert check.returncode == 0, check.stdout  # every hostile program fails the ground truth; the reference passes


BROKEN_GENERATORS = {
    "returns_a_number": "def generate(rng, kind):\n    return 5\n",
    "raises": "def generate(rng, kind):\n    raise ValueError('no inputs today')\n",
    "returns_no_json_array": "def generate(rng, kind):\n    return '{\"x\": 1}'\n",
    "raises_terminal_escapes": "def generate(rng, kind):\n    raise ValueError('\\r\\x1b[2J\\x1b]0;title\\x07 gone')\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN_GENERATORS))
def test_a_broken_gen_py_pauses_a_sim_run_in_one_line_and_the_mended_one_resumes(tmp_path, name):
    # The sim takes its inputs from the problem's gen.py: a broken one used to give a run without inputs, silently.
    folder = plus_one_problem(tmp_path, BROKEN_GENERATORS[name])
    (folder / "wrong" / "minus.py").write_text("# bug: the sign\ndef f(x):\n    return x - 1\n")
    out = tmp_path / "run"
    command = ("run", str(folder), "--model", "sim", "--codes", "4", "--tests", "4", "--rounds", "1", "--inputs",
               "4", "--out", str(out), "--quiet")
    broken = cosplay(*command)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr  # (the line before says sim is no model)
    [line] = broken.stderr.strip().splitlines()[-1:]
    assert "gen.py failed on generate(rng, " in line and "the run is paused after step 3" in line, broken.stderr
    assert not any(ch in broken.stderr for ch in "\x1b\x07\r"), repr(broken.stderr)  # shown, not obeyed
    (folder / "gen.py").write_text(PLUS_ONE_GEN)
    mended = cosplay(*command, "--json")
    assert mended.returncode == 0, mended.stderr
    assert strict_json(mended.stdout)["gt"]["codes_total"] == 4


def test_a_candidate_returning_tens_of_mib_on_every_input_cannot_fill_the_harness_or_the_trace(tmp_path):
    # The sandbox lets a function return up to 64 MiB; a run keeps every outcome in memory and in its trace: one
    # such candidate made a 1.5 GB trace and a 5.3 GB harness from 9 executions. A problem's programs now get its
    # output cap (1 MiB unless its own tests expect more), so the candidate's answers are output_limit.
    folder = plus_one_problem(tmp_path)
    (folder / "wrong" / "huge.py").write_text("# bug: a huge string\ndef f(x):\n    return 'y' * (60 << 20) + str(x)\n")
    out = tmp_path / "run"
    result = cosplay("run", str(folder), "--model", "sim", "--code-skill", "0", "--codes", "4", "--tests", "4",
                     "--rounds", "1", "--inputs", "4", "--out", str(out), "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    assert (out / "trace.jsonl").stat().st_size < 4 << 20
    statuses = [o["status"] for line in (out / "trace.jsonl").read_text().splitlines()
                for o in (json.loads(line).get("outcomes") or {}).values()]
    assert statuses and set(statuses) == {"output_limit"}  # every code drawn is the huge one (code skill 0)
    assert strict_json(result.stdout)["gt"]["codes_total"] == 4


def test_a_program_s_output_cannot_drive_the_terminal_or_fake_a_line_of_the_report(tmp_path):
    """`cosplay exec`'s report (not --json) shows what a program printed: escape sequences (clear the screen,
    retitle the window, recolour, move up and rewrite a line), carriage returns, line breaks and bidirectional marks
    are shown as their escapes, so the report has one line per input and each verdict is the sandbox's."""
    program = tmp_path / "forger.py"
    program.write_text("import sys\nsys.stdout.write('\\x1b]0;title\\x07\\x1b[2J\\x1b[1A\\x1b[2K\\r  input 1: ok'\n"
                       "                 '\\n  input 2: ok \\u202egnorw\\x9b31m' + input())\n")
    inputs = []
    for number in (1, 2):
        path = tmp_path / f"in{number}.txt"
        path.write_text(f"{number}\n")
        inputs += ["--input-file", str(path)]
    result = cosplay("exec", str(program), "--time-limit", "1", *inputs)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and lines[0] == str(program), result.stdout
    assert [line.split()[:3] for line in lines[1:]] == [["input", "1:", "ok"], ["input", "2:", "ok"]]
    assert not any(ch in result.stdout for ch in "\x1b\x07\r\u202e\x9b"), repr(result.stdout)
    assert "\\x1b]0;title\\x07\\x1b[2J" in lines[1]


def test_one_line_escapes_what_a_terminal_would_obey_and_keeps_the_rest():
    assert one_line("plain text, é, 中文, 🙂", 60) == "plain text, é, 中文, 🙂"
    assert one_line("a\tb\u200bc\u2028d\x1b[0m\U000e0001", 60) == "a\\x09b\\u200bc\\u2028d\\x1b[0m\\U000e0001"
    assert one_line("x" * 100, 10) == "x" * 10 and len(one_line("\x1b" * 100, 10)) == 10
