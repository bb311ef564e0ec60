# Manassa — everyday commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
PYTEST_WORKERS ?= 2
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/manassa
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run install migrate demo test test-postgres e2e lint css messages clean help

help:
	@echo "make run            create .venv, install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test           the test suite on SQLite"
	@echo "make test-postgres  the same suite on PostgreSQL (DATABASE_URL, default $(POSTGRES_URL))"
	@echo "make e2e            browser tests (Debian chromium) with axe-core"
	@echo "make lint           ruff"
	@echo "make css            rebuild the committed CSS with the Tailwind CLI (needs npm)"
	@echo "make messages       extract and compile translations"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/manassa migrate --noinput

demo: migrate
	$(BIN)/manassa demo --if-empty

run: demo
	PORT=$(PORT) $(BIN)/manassa serve

test: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not e2e" $(PYTEST_ARGS)

test-postgres: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$${DATABASE_URL:-$(POSTGRES_URL)} \
		$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not e2e" $(PYTEST_ARGS)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

e2e: $(STAMP) node_modules/.package-lock.json
	@test -x /usr/bin/chromium || { echo "e2e needs Debian's chromium: apt-get install chromium"; exit 1; }
	DJANGO_SETTINGS_MODULE=config.settings.test DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(BIN)/pytest -m e2e tests/e2e $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

css: node_modules/.package-lock.json
	npm run build

messages: $(STAMP)
	# English is the source language; its catalogue is rebuilt so no fuzzy guess survives.
	rm -f locale/en/LC_MESSAGES/django.po
	$(BIN)/manassa makemessages -l ar -l en --no-obsolete --no-location --ignore ".venv/*" \
		--ignore "node_modules/*" --ignore "var/*" --ignore "tests/*" --ignore "benchmarks/*"
	msgen --no-wrap locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po
	sed -i "/^#, fuzzy$$/d" locale/en/LC_MESSAGES/django.po
	$(BIN)/manassa compilemessages --ignore ".venv/*" --ignore "node_modules/*"
	@msgfmt --statistics -o /dev/null locale/ar/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var/manassa.sqlite3* var/static node_modules
