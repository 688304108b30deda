# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app classroom
# `make run PORT=8000` when 5000 is taken.
PORT ?= 5000
CATALOGS := $(wildcard classroom/translations/*/LC_MESSAGES/messages.po)

.PHONY: install lock translations run test test-fast lint format check-lessons extract-messages

# Installs exactly the versions in requirements.lock (runtime and dev), then the app itself.
$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@$(BIN)/pip check >/dev/null || { $(BIN)/pip check; \
		echo "requirements.lock does not fit pyproject.toml: run make lock" >&2; exit 1; }
	touch $@

install: $(BIN)/.installed

# Refresh requirements.lock after changing the dependencies in pyproject.toml; pins that
# still fit stay. `make lock LOCK_ARGS=--upgrade` moves every pin to the newest release
# within the bounds, `LOCK_ARGS="--upgrade-package flask"` one (docs/development.md).
lock: | $(BIN)/.installed
	CUSTOM_COMPILE_COMMAND="make lock (docs/development.md)" $(BIN)/pip-compile --quiet \
		--extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock $(LOCK_ARGS) pyproject.toml

translations: install $(CATALOGS:.po=.mo)

classroom/translations/%/LC_MESSAGES/messages.mo: classroom/translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -d classroom/translations -l $*

run: translations
	$(FLASK) db upgrade
	$(FLASK) demo --i-know-this-is-not-a-server
	FLASK_SESSION_COOKIE_SECURE=false FLASK_SIGNON_ALLOW_PRIVATE_ISSUERS=true \
		FLASK_MAIL_BACKEND=console $(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive classroom --severity-level medium

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-lessons: install
	$(FLASK) lessons check

# PYTEST_ARGS passes options on, e.g. PYTEST_ARGS="--ignore=tests/browser".
test: translations lint check-lessons
	$(BIN)/pytest -q $(PYTEST_ARGS)

# Everything but the tests that start gunicorn, Redis, PostgreSQL or Chromium (markers
# `server` and `browser` in pyproject.toml): the quick check while changing code. Two
# processes (pytest-xdist; PYTEST_ARGS="-n 0" for one) that take over each other's
# remaining tests (worksteal), and compiled modules kept in __pycache__ between runs even
# where PYTHONDONTWRITEBYTECODE is set (5 s a process).
test-fast: translations
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q -n 2 --dist worksteal \
		-m "not server and not browser" $(PYTEST_ARGS)

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project Klasgesprek -o classroom/translations/messages.pot .
	$(BIN)/pybabel update -i classroom/translations/messages.pot -d classroom/translations --no-fuzzy-matching

# Load benchmark (docs/performance.md): the real app against a bare Flask floor, with wrk.
# wrk comes from Debian's packages (needs root or sudo). Pass options with BENCH_ARGS, e.g.
# make bench BENCH_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench"
.PHONY: bench
bench: translations
	@command -v wrk >/dev/null || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get install -y wrk || { $$SUDO apt-get update && $$SUDO apt-get install -y wrk; }; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)
