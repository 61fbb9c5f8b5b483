# The two commands of the README: `make run` starts the platform, `make test` runs every check.
DATA_DIR ?= data
PORT ?= 8000
MATCHER_PORT ?= 8001
TEST_EXTRAS = dev,e5,st
FUZZ_EXAMPLES ?= 100

.PHONY: run test lint fuzz

run:
	@scripts/bootstrap.sh e5
	.venv/bin/duijie serve --data-dir $(DATA_DIR) --catalog-port $(PORT) --matcher-port $(MATCHER_PORT)

lint:
	@scripts/bootstrap.sh $(TEST_EXTRAS)
	.venv/bin/ruff check .
	.venv/bin/mypy services shared duijie

test: lint
	scripts/test.sh

# The schema fuzzing of both services at length (`make test` runs it with 3 requests per operation, mode and caller).
fuzz:
	DUIJIE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) scripts/test.sh tests/test_api_fuzz.py -s
