"""Run benchmarks: `.venv/bin/python bench/run.py [--quick] [name ...]` (all when no name).

Each benchmark gets the benchmark database (default `marketplace_bench`, override with
BENCH_DATABASE_URL) dropped, re-created and migrated; its figures are printed as tables
and written to bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/; the project root must come first instead.
sys.path[:1] = [str(ROOT)]

from bench import harness  # noqa: E402

# name -> module with `run(*, quick: bool) -> harness.Report`
BENCHMARKS = {
    "provisioning": "bench.provisioning",
    "clone-scaling": "bench.clone_scaling",
    "csv-import": "bench.csv_import",
    "notifications": "bench.notifications",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks.")
    parser.add_argument("names", nargs="*", metavar="name", help=", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="few items: a smoke run")
    args = parser.parse_args(argv)
    names: list[str] = args.names or list(BENCHMARKS)
    if unknown := sorted(set(names) - set(BENCHMARKS)):
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")

    harness.configure_environment()
    import django
    from django.db import connections

    django.setup()
    for name in names:
        connections.close_all()
        harness.recreate_database()
        migrate_s = harness.manage("migrate_schemas", "--noinput")
        facts = harness.machine()
        print(
            f"{name}: fresh database migrated in {migrate_s:.1f} s on {facts['nproc']} CPUs"
            f" ({facts['cpu']}), PostgreSQL {facts['postgresql']}, load {facts['load_at_start']}",
            flush=True,
        )
        report = importlib.import_module(BENCHMARKS[name]).run(quick=args.quick)
        facts["load_at_end"] = harness.load_average()
        print(harness.render(report), flush=True)
        path = harness.write_json(report, machine_facts=facts, quick=args.quick)
        print(f"\nwritten to {path.relative_to(ROOT)}\n")
    connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
