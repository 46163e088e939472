"""The console tests use the reports tests' fast `core` (a copy of one migrated database)."""

from tests.reports.conftest import core, migrated_template  # noqa: F401
