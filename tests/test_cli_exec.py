"""`cosplay exec`: the contract of DESIGN 5, through the real command."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "cosplay_core", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_programs_by_inputs_as_json(tmp_path):
    adder = write(tmp_path, "add.py", "a, b = map(int, input().split())\nprint(a + b)\n")
    crasher = write(tmp_path, "crash.py", "raise SystemExit(input())\n")
    looper = write(tmp_path, "loop.py", "while True: pass\n")
    inputs = [write(tmp_path, "in1", "1 2\n"), write(tmp_path, "in2", "40 2\n")]
    result = run_cli("exec", adder, crasher, looper, "--input-file", inputs[0], "--input-file", inputs[1],
                     "--time-limit", "0.5", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [[cell["status"] for cell in row] for row in rows] == [["ok", "ok"], ["error", "error"],
                                                                   ["timeout", "timeout"]]
    assert [cell["stdout"] for cell in rows[0]] == ["3\n", "42\n"]
    assert set(rows[0][0]) == {"status", "stdout", "value", "stderr", "time_s", "cpu_s"}
    assert "1 2" in rows[1][0]["stderr"]


def test_function_mode_with_class_entry_point(tmp_path):
    program = write(tmp_path, "sol.py", "class Solution:\n    def add(self, a, b):\n        return [a + b, (a, b)]\n")
    args = write(tmp_path, "args.json", "[1, 2]")
    result = run_cli("exec", program, "--input-file", args, "--io", "function", "--entry-point",
                     "Solution().add", "--json")
    assert result.returncode == 0, result.stderr
    [[cell]] = json.loads(result.stdout)
    assert (cell["status"], cell["value"]) == ("ok", [3, [1, 2]])


def test_jobs_file_runs_each_program_on_its_own_inputs(tmp_path):
    jobs = [
        {"id": "double", "program": "print(int(input()) * 2)", "inputs": ["1\n", "2\n", "3\n"]},
        {"id": "f", "program": "def f(x):\n    return x * x\n", "inputs": [[3], [4]], "io": "function",
         "entry_point": "f", "time_limit_s": 1, "memory_mb": 128},
        {"id": "slow", "program": "import time\ntime.sleep(10)", "inputs": [""], "time_limit_s": 0.3},
    ]
    path = write(tmp_path, "jobs.jsonl", "\n".join(json.dumps(j) for j in jobs) + "\n")
    result = run_cli("exec", "--jobs", path, "--workers", "2", "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["double", "f", "slow"]
    assert [r["stdout"] for r in lines[0]["results"]] == ["2\n", "4\n", "6\n"]
    assert [r["value"] for r in lines[1]["results"]] == [9, 16]
    assert lines[2]["results"][0]["status"] == "timeout"


def test_bad_input_gets_one_line_and_exit_2(tmp_path):
    program = write(tmp_path, "p.py", "print(1)\n")
    some_input = write(tmp_path, "in", "1\n")
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    binary_input = tmp_path / "latin1.txt"
    binary_input.write_bytes("caf\u00e9 1\n".encode("latin-1"))
    cases = [
        ("exec", str(tmp_path / "missing.py"), "--input-file", some_input),
        ("exec", program, "--input-file", str(tmp_path / "missing.txt")),
        ("exec", str(binary), "--input-file", some_input),
        ("exec", program, "--input-file", str(binary_input)),
        ("exec", str(tmp_path), "--input-file", some_input),
        ("exec", program),
        ("exec", "--input-file", some_input),
        ("exec", program, "--input-file", some_input, "--io", "function"),
        ("exec", program, "--input-file", some_input, "--io", "function", "--entry-point", "f"),
        ("exec", program, "--input-file", some_input, "--time-limit", "-1"),
        ("exec", program, "--input-file", some_input, "--time-limit", "soon"),
        ("exec", "--jobs", write(tmp_path, "bad.jsonl", '{"id": "a", "program": 3, "inputs": []}\n')),
        ("exec", "--jobs", write(tmp_path, "bad2.jsonl", '{"id": "a"\n')),
        ("exec", "--jobs", str(tmp_path / "nope.jsonl")),
        ("frobnicate",),
    ]
    for args in cases:
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.startswith("cosplay: ") and result.stderr.count("\n") == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_a_program_that_does_not_compile_is_an_outcome_not_a_usage_error(tmp_path):
    program = write(tmp_path, "broken.py", "def f(:\n")
    some_input = write(tmp_path, "in", "1\n")
    result = run_cli("exec", program, "--input-file", some_input, "--json")
    assert result.returncode == 0
    [[cell]] = json.loads(result.stdout)
    assert cell["status"] == "error" and "SyntaxError" in cell["stderr"]


def strict_json(text):
    """`json.loads` that refuses NaN and Infinity, as every JSON parser but Python's does."""
    def refuse(token):
        raise ValueError(f"{token} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_an_input_file_that_is_not_utf8_is_named(tmp_path):
    program = write(tmp_path, "p.py", "print(1)\n")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(b"caf\xe9\n")
    result = run_cli("exec", program, "--input-file", str(latin1))
    assert result.returncode == 2 and result.stderr == f"cosplay: input file {latin1}: not UTF-8 text\n"


COUNTER = "calls = [0]\n\ndef f(x):\n    calls[0] += 1\n    return calls[0]\n"  # how many calls this process saw
CRASH_ON_2 = "import os\ncalls = [0]\n\ndef f(x):\n    calls[0] += 1\n    if x == 2:\n        os._exit(3)\n" \
             "    return calls[0]\n"


def _argument_files(tmp_path, count):
    return [arg for n in range(count) for arg in ("--input-file", write(tmp_path, f"args{n}.json", f"[{n}]"))]


def _function_exec(tmp_path, source, count, *flags):
    program = write(tmp_path, "f.py", source)
    result = run_cli("exec", program, "--io", "function", "--entry-point", "f", *_argument_files(tmp_path, count),
                     *flags, "--json")
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    return row


def test_batch_runs_a_function_programs_inputs_in_one_process(tmp_path):
    assert [c["value"] for c in _function_exec(tmp_path, COUNTER, 3, "--batch")] == [1, 2, 3]
    assert [c["value"] for c in _function_exec(tmp_path, COUNTER, 3, "--no-batch")] == [1, 1, 1]


def test_batch_is_the_default_for_many_small_function_inputs_only(tmp_path):
    assert [c["value"] for c in _function_exec(tmp_path, COUNTER, 8)] == list(range(1, 9))
    assert [c["value"] for c in _function_exec(tmp_path, COUNTER, 7)] == [1] * 7
    assert [c["value"] for c in _function_exec(tmp_path, COUNTER, 8, "--no-batch")] == [1] * 8


def test_a_crash_in_batch_mode_loses_only_its_input(tmp_path):
    row = _function_exec(tmp_path, CRASH_ON_2, 5, "--batch")
    assert [c["status"] for c in row] == ["ok", "ok", "error", "ok", "ok"]
    assert row[0]["value"] == 1 and row[1]["value"] == 2 and row[4]["value"] >= 1


def test_batch_per_job_in_a_jobs_file(tmp_path):
    inputs = [[n] for n in range(3)]
    jobs = [{"id": "batch", "program": COUNTER, "inputs": inputs, "io": "function", "entry_point": "f",
             "batch": True},
            {"id": "isolated", "program": COUNTER, "inputs": inputs, "io": "function", "entry_point": "f",
             "batch": False},
            {"id": "default", "program": COUNTER, "inputs": inputs, "io": "function", "entry_point": "f"},
            {"id": "many", "program": COUNTER + "# another program (outcomes are cached per program)\n",
             "inputs": [[n] for n in range(8)], "io": "function", "entry_point": "f"},
            {"id": "stdin", "program": "print(input())", "inputs": ["a\n", "b\n"]}]
    path = write(tmp_path, "jobs.jsonl", "\n".join(json.dumps(j) for j in jobs) + "\n")
    result = run_cli("exec", "--jobs", path, "--json")
    assert result.returncode == 0, result.stderr
    values = {line["id"]: [r["value"] for r in line["results"]] for line in map(json.loads, result.stdout.splitlines())}
    assert values == {"batch": [1, 2, 3], "isolated": [1, 1, 1], "default": [1, 1, 1], "many": list(range(1, 9)),
                      "stdin": [None, None]}
    forced = run_cli("exec", "--jobs", write(tmp_path, "f.jsonl", json.dumps(jobs[2]) + "\n"), "--batch", "--json")
    assert [r["value"] for r in json.loads(forced.stdout)["results"]] == [1, 2, 3]


def test_batch_on_a_stdin_program_is_one_line_and_exit_2(tmp_path):
    program = write(tmp_path, "p.py", "print(input())\n")
    result = run_cli("exec", program, "--input-file", write(tmp_path, "in", "1\n"), "--batch")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "cosplay: --batch: batch mode runs function-mode programs only; a stdin program gets a " \
                            "fresh process per input\n"
    jobs = write(tmp_path, "jobs.jsonl", json.dumps({"id": "a", "program": "print(1)", "inputs": [""]}) + "\n"
                 + json.dumps({"id": "b", "program": "print(1)", "inputs": [""], "batch": True}) + "\n")
    result = run_cli("exec", "--jobs", jobs)
    assert result.returncode == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"cosplay: {jobs}:2: batch mode runs function-mode programs only")


def test_help_says_time_limits_are_cpu_seconds():
    result = run_cli("exec", "--help")
    assert "CPU seconds per input" in " ".join(result.stdout.split()) and "--batch" in result.stdout


@pytest.mark.parametrize("flags, message", [
    (["--time-limit", "inf"], "--time-limit must be between 0.001 and 3600, not inf"),
    (["--time-limit", "nan"], "--time-limit must be between 0.001 and 3600, not nan"),
    (["--time-limit", "1e12"], "--time-limit must be between 0.001 and 3600, not 1000000000000.0"),
    (["--memory-mb", "nan"], "argument --memory-mb: invalid int value: 'nan'"),
    (["--memory-mb", "1000000000000000"], "--memory-mb must be between 16 and 1,048,576"),
    (["--workers", "100000"], "--workers must be from 1 to 256"),
    (["--batch", "--no-batch"], "not allowed with argument"),
])
def test_impossible_limit_flags_are_one_line_naming_the_flag(tmp_path, flags, message):
    program = write(tmp_path, "p.py", "def f(x):\n    return x\n")
    result = run_cli("exec", program, "--io", "function", "--entry-point", "f", "--input-file",
                     write(tmp_path, "a.json", "[1]"), *flags)
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


FUNCTION_JOB = {"id": "j", "program": "def f(x):\n    return x\n", "inputs": [[1]], "io": "function",
                "entry_point": "f"}


@pytest.mark.parametrize("line, message", [
    (json.dumps(dict(FUNCTION_JOB, time_limit_s=1e12)), "time_limit_s must be between 0.001 and 3600"),
    (json.dumps(dict(FUNCTION_JOB, time_limit_s=float("inf"))), "time_limit_s must be between 0.001 and 3600, not inf"),
    (json.dumps(dict(FUNCTION_JOB, time_limit_s=float("nan"))), "time_limit_s must be between 0.001 and 3600, not nan"),
    (json.dumps(dict(FUNCTION_JOB, time_limit_s=0)), "time_limit_s must be between 0.001 and 3600, not 0"),
    (json.dumps(dict(FUNCTION_JOB, time_limit_s="2")), "time_limit_s must be a number, not '2'"),
    (json.dumps(dict(FUNCTION_JOB, memory_mb=1e15)), "memory_mb must be between 16 and 1,048,576"),
    (json.dumps(dict(FUNCTION_JOB, memory_mb=100.5)), "memory_mb must be a whole number, not 100.5"),
    (json.dumps(dict(FUNCTION_JOB))[:-1] + ', "memory_mb": 1e400}', "memory_mb must be between 16 and 1,048,576, "
                                                                     "not inf"),
    (json.dumps(dict(FUNCTION_JOB))[:-1] + ', "memory_mb": NaN}', "memory_mb must be between 16 and 1,048,576, "
                                                                    "not nan"),
    (json.dumps(dict(FUNCTION_JOB, memory_mb=True)), "memory_mb must be a number, not True"),
    (json.dumps(dict(FUNCTION_JOB, batch="yes")), 'batch must be true or false, not "yes"'),
    (json.dumps(dict(FUNCTION_JOB, timelimit=1)), "unknown key 'timelimit'"),
    (json.dumps(dict(FUNCTION_JOB, entry_point=5)), "entry_point must be a string"),
    (json.dumps(dict(FUNCTION_JOB, inputs=[[1], "[2]"])), "input 1 must be the array of arguments"),
    (json.dumps({"id": "s", "program": "print(input())", "inputs": ["\ud800\n"]}), "input 0 is not valid Unicode"),
    (json.dumps({"id": "s", "program": "x = '\ud800'", "inputs": [""]}), "the program is not valid Unicode text"),
    ('{"id": "d", "program": "", "inputs": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "a JSON value nested deeper than 200 levels"),
])
def test_a_bad_jobs_line_is_one_line_naming_the_file_and_line(tmp_path, line, message):
    path = write(tmp_path, "jobs.jsonl", json.dumps(FUNCTION_JOB) + "\n" + line + "\n")
    result = run_cli("exec", "--jobs", path, "--json")
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert result.stderr.startswith(f"cosplay: {path}:2: ") and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


NON_FINITE = "def f(x):\n    return [float('nan'), float('inf'), -float('inf'), {'k': [float('nan')]}, 1.5, 'NaN']\n"
NON_FINITE_VALUE = ["NaN", "Infinity", "-Infinity", {"k": ["NaN"]}, 1.5, "NaN"]


def test_nan_and_infinity_are_written_as_strict_json(tmp_path):
    row = _function_exec(tmp_path, NON_FINITE, 1)
    assert row[0]["status"] == "ok" and row[0]["value"] == NON_FINITE_VALUE
    program = write(tmp_path, "f.py", NON_FINITE)
    result = run_cli("exec", program, "--io", "function", "--entry-point", "f", "--input-file",
                     write(tmp_path, "a.json", "[1]"), "--json")
    assert strict_json(result.stdout)[0][0]["value"] == NON_FINITE_VALUE
    jobs = write(tmp_path, "jobs.jsonl", json.dumps(dict(FUNCTION_JOB, program=NON_FINITE)) + "\n")
    result = run_cli("exec", "--jobs", jobs, "--json")
    assert result.returncode == 0 and strict_json(result.stdout)["results"][0]["value"] == NON_FINITE_VALUE
    human = run_cli("exec", program, "--io", "function", "--entry-point", "f", "--input-file",
                    write(tmp_path, "b.json", "[2]"))
    assert human.returncode == 0 and '["NaN", "Infinity", "-Infinity"' in human.stdout


def test_exec_imports_the_sandbox_and_none_of_the_runs_modules(tmp_path):
    """`cosplay exec` starts on the sandbox's modules alone: not numpy, plotly, models, players or the run's."""
    jobs = write(tmp_path, "jobs.jsonl", json.dumps(FUNCTION_JOB) + "\n")
    code = ("import sys; from cosplay_core.cli import main; status = main(['exec', '--jobs', sys.argv[1], '--json']); "
            "print(status, ' '.join(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, jobs], capture_output=True, text=True, cwd=ROOT)
    status, *loaded = done.stderr.split("\n")[-2].split()
    assert status == "0" and "cosplay_core.sandbox" in loaded, done.stderr
    for name in ("numpy", "plotly", "cosplay_core.models", "cosplay_core.players", "cosplay_core.config",
                 "cosplay_core.outdir", "cosplay_core.run", "cosplay_core.session", "cosplay_core.datasets"):
        assert name not in loaded, name
