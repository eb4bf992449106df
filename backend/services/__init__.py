"""Plain functions behind the routes: run lifecycle, dispatch to workers, ingest, metrics, artifacts, streams."""
