"""Benchmarks for copydesk: folder generator, check, TUI and bulk-save timings (run with ``python -m bench.<name>``)."""
