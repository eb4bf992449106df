"""Trainboard backend: FastAPI app, run records, live events, worker protocol, CLI entry point."""
