# The two commands of the README: `make run` starts the platform, `make test` runs every check.
DATA_DIR ?= data
PORT ?= 8000
MATCHER_PORT ?= 8001

.PHONY: run test lint venv

venv:
	@scripts/bootstrap.sh

run: venv
	.venv/bin/duijie serve --data-dir $(DATA_DIR) --catalog-port $(PORT) --matcher-port $(MATCHER_PORT)

lint: venv
	.venv/bin/ruff check .
	.venv/bin/mypy services shared duijie

test: lint
	scripts/test.sh
