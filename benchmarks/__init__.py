"""Benchmarks: each module has `run(quick: bool) -> dict` and a `main()` that logs a small table."""
