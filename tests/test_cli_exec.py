"""`cosplay exec`: the contract of DESIGN 5, through the real command."""

import json
import subprocess
import sys

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
    assert set(rows[0][0]) == {"status", "stdout", "value", "stderr", "time_s"}
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
    cases = [
        ("exec", str(tmp_path / "missing.py"), "--input-file", some_input),
        ("exec", program, "--input-file", str(tmp_path / "missing.txt")),
        ("exec", str(binary), "--input-file", some_input),
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
