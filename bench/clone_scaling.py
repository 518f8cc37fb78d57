"""How the template clone (the empty-pool path and every pool refill) scales with the
number of schemas already in the database, before and after ANALYZE of the catalogs.
"""

from __future__ import annotations

from django.db import connection

from bench.harness import Distribution, Figure, Report, manage, stopwatch
from tenants import provisioning

BUCKET = 50
# The catalogs clone_schema() reads; autovacuum analyzes them late, so plans go stale.
CATALOGS = "pg_class, pg_attribute, pg_depend, pg_namespace, pg_constraint, pg_type, pg_index"


def _clone(count: int, first: int) -> list[float]:
    samples: list[float] = []
    for i in range(first, first + count):
        with stopwatch(samples):
            provisioning._clone_template(f"scaling_{i:05d}")
    return samples


def run(*, quick: bool) -> Report:
    buckets = 2 if quick else 8
    report = Report("clone-scaling")
    manage("prepare_shops", "--pool-size", "0")
    with connection.cursor() as cursor:
        cursor.execute("SET client_min_messages = warning")  # clone_schema's NOTICEs
    for b in range(buckets):
        samples = _clone(BUCKET, b * BUCKET)
        label = f"clone, schemas {b * BUCKET}-{(b + 1) * BUCKET - 1} present"
        report.distributions.append(Distribution(label, samples))
    analyze_ms: list[float] = []
    with stopwatch(analyze_ms), connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {CATALOGS}")
    after = _clone(BUCKET, buckets * BUCKET)
    report.distributions.append(Distribution("same, after ANALYZE of catalogs", after))
    report.figures.append(Figure("ANALYZE of the catalogs above", analyze_ms[0], "ms"))
    return report
