# The two commands of the README: `make run` starts the platform, `make test` runs every check.
DATA_DIR ?= data
PORT ?= 8000
MATCHER_PORT ?= 8001
TEST_EXTRAS = dev,e5,st

.PHONY: run test lint

run:
	@scripts/bootstrap.sh e5
	.venv/bin/duijie serve --data-dir $(DATA_DIR) --catalog-port $(PORT) --matcher-port $(MATCHER_PORT)

lint:
	@scripts/bootstrap.sh $(TEST_EXTRAS)
	.venv/bin/ruff check .
	.venv/bin/mypy services shared duijie

test: lint
	scripts/test.sh
