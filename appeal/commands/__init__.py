"""The full pipelines, one per command group. Only appeal.cli imports these."""
