# The two commands of the README: `make run` (the app, offline) and `make test` (everything the tests need, then the tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test install install-dev system-deps bench bench-evalplus check clean wheel

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -e .

install-dev: $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt -e .

# bubblewrap isolates untrusted programs; chromium drives the app in browser tests. Needs root (CI is root).
system-deps:
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		missing=""; \
		command -v bwrap >/dev/null 2>&1 || missing="$$missing bubblewrap"; \
		command -v chromium >/dev/null 2>&1 || missing="$$missing chromium fonts-noto-color-emoji"; \
		if [ -n "$$missing" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		fi; \
	else \
		echo "note: not root or no apt-get: install bubblewrap and chromium yourself for full isolation and browser tests"; \
	fi

# The app answers this machine only (HOST=127.0.0.1). To serve others on purpose: make run HOST=0.0.0.0; the keys in
# this environment are then used for visitors only with SERVER_KEYS=1 (otherwise each visitor types a key).
HOST ?= 127.0.0.1
SERVER_KEYS ?=
# pip runs again only when the requirements or the package metadata change (a warm venv starts in seconds).
RUN_STAMP := $(VENV)/.run-installed
$(RUN_STAMP): requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $(RUN_STAMP)
run: $(RUN_STAMP)
	COSPLAY_SERVER_KEYS=$(SERVER_KEYS) $(PY) -m cosplay_core.app_launcher streamlit run app.py --server.address $(HOST) \
		--server.port $(PORT) --browser.gatherUsageStats false

# Everything, tests/test_package.py included: it builds the wheel (sdist first, as `python -m build` does), installs
# it in a fresh venv outside the checkout and checks `cosplay app` and `cosplay run weighted_jobs` there.
# Two workers (pytest-xdist), each taking a whole test file at a time, so that a file's module fixtures (one app
# server, one browser, one set of runs) start once; TEST_WORKERS=0 runs the suite in this process alone.
TEST_WORKERS ?= 2
test: system-deps install-dev
	$(PY) -m ruff check .
	$(PY) -m mypy  # cosplay_core, with the settings of pyproject.toml [tool.mypy]
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15

# The wheel in dist/ (the app and the sample problems inside it; `pip install dist/*.whl`, then `cosplay app`).
wheel: install-dev
	$(PY) -m pip wheel --quiet --no-deps --no-build-isolation -w dist .

bench: install
	$(PY) benchmarks/exec_throughput.py

# evalplus's own harness against `cosplay exec`; evalplus is installed here only, without its code-generation deps.
bench-evalplus: install
	$(PY) -m pip install --quiet --no-deps -r benchmarks/requirements-evalplus.txt
	$(PY) benchmarks/evalplus_compare.py

check: install
	$(PY) -m cosplay_core check sample_problems/*/

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .cosplay_cache build dist
