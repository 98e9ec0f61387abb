# `make run` serves the demo on http://127.0.0.1:5000; `make test` runs the whole suite.
# Both build what they need on a fresh machine (Python 3.11 and Node 20) and skip it next time.

VENV  := .venv
FLASK := $(VENV)/bin/flask --app tracker
DS    := node_modules/@digdir/designsystemet-css/dist
CSS   := static/vendor/designsystemet
FONT  := static/vendor/inter
CATALOGUES := $(wildcard tracker/translations/*/LC_MESSAGES/messages.po)

.PHONY: run test bench setup translations messages migrate clean

run: setup
	$(FLASK) db upgrade
	$(FLASK) seed demo --if-empty
	# The mail worker delivers the outbox (to instance/mail/ without MAIL_URL) while the app serves.
	$(FLASK) mail worker & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port 5000

# TEST_DATABASE_URL and REQUIRE_BROWSER reach pytest from the environment; PYTEST_ARGS adds options.
# The suite runs on every core (pytest-xdist): each worker has its own database and demo.
test: setup
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

# How pages hold up as history grows (bench/scale.py: scale 1 and 10, SQLite, and PostgreSQL when
# BENCH_DATABASE_URL is set; in process, under wrk, memory), then the demo's pages and a survey
# round. Prints figures and each target as MET or NOT MET; fails only on an answer of 500 or more.
# A quick run: BENCH_SCALES=1 BENCH_REQUESTS=5 BENCH_HTTP_SECONDS=2 BENCH_MEMORY_REQUESTS=200 make bench
bench: setup
	$(VENV)/bin/python bench/scale.py
	$(VENV)/bin/python bench/pages.py
	$(VENV)/bin/python bench/survey_round.py

setup: $(VENV)/.installed node_modules/.installed $(CSS)/index.css $(CSS)/theme.css $(FONT)/.copied translations

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Designsystemet's CSS comes from npm and is never committed (static/vendor/ is git-ignored).
$(CSS)/index.css: node_modules/.installed
	mkdir -p $(@D) && cp $(DS)/src/index.css $@

$(CSS)/theme.css: node_modules/.installed
	mkdir -p $(@D) && cp $(DS)/theme/designsystemet.css $@

# Inter, the typeface Designsystemet's theme names, served from here (no font CDN).
$(FONT)/.copied: node_modules/.installed
	mkdir -p $(FONT) && cp -r node_modules/@fontsource/inter/files node_modules/@fontsource/inter/400.css \
		node_modules/@fontsource/inter/500.css node_modules/@fontsource/inter/600.css $(FONT)/
	touch $@

translations: $(VENV)/.installed
ifneq ($(CATALOGUES),)
	$(VENV)/bin/pybabel --quiet compile -d tracker/translations
else
	@echo "No catalogues under tracker/translations yet: pages show the source text."
endif

# After changing user-facing text: collect the messages and add the new ones to each catalogue,
# then translate the empty entries (tests/test_translations.py fails until every one is).
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel --quiet extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		-o tracker/translations/messages.pot .
	$(VENV)/bin/pybabel --quiet update --no-fuzzy-matching -i tracker/translations/messages.pot \
		-d tracker/translations

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

clean:
	rm -rf $(VENV) node_modules static/vendor
