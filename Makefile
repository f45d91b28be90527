# `make run` and `make test` each do all set-up on a fresh machine (Python >= 3.10).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

run: $(STAMP)
	$(PY) main.py

# Two workers: the end-to-end journeys in one, every other file in turn (tests/conftest.py).
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) bench/epoch_speed.py

# Re-install only when the project's requirements change.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test,cluster]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info
