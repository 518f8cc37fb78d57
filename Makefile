# Developer entry points. `make` alone lists them.
.DEFAULT_GOAL := help
.PHONY: help install run test lint format bench

VENV := .venv/bin

help: ## list the targets
	@echo "make targets:"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-9s %s\n", $$1, $$2}'

install: ## create .venv and install Python and Debian dependencies (idempotent)
	@bash scripts/install.sh

run: ## install, check services, migrate and seed, then run web + relay + worker
	@bash scripts/install.sh
	$(VENV)/python scripts/dev.py

test: ## install (with browser), then lint, type-check and run the test suite
	@bash scripts/install.sh --test
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy .
	$(VENV)/pytest -n 2 --dist loadfile

lint: ## ruff check, ruff format --check and mypy
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy .

format: ## ruff format, then ruff check --fix
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

bench: ## run the benchmarks (bench/run.py)
	$(VENV)/python bench/run.py
