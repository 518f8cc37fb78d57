"""CSV import and export of a shop's products and variants (one row per variant).

Format and limits: `columns`; reading a file: `reading`; the dry run: `checks`; writing
a checked file: `writing`; import jobs run by the worker: `jobs`; export: `export`.
"""

from sellers.catalog.csv_io.checks import ImportPlan, RowError, import_check
from sellers.catalog.csv_io.export import export_chunks, import_template_csv
from sellers.catalog.csv_io.jobs import (
    import_job_confirm,
    import_job_create,
    import_job_process,
)
from sellers.catalog.csv_io.reading import CsvFile, csv_decode, csv_read
from sellers.catalog.csv_io.writing import ImportSummary, import_write

__all__ = [
    "CsvFile",
    "ImportPlan",
    "ImportSummary",
    "RowError",
    "csv_decode",
    "csv_read",
    "export_chunks",
    "import_check",
    "import_job_confirm",
    "import_job_create",
    "import_job_process",
    "import_template_csv",
    "import_write",
]
