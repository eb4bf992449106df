"""The FastAPI application: `create_app()` wires settings, database, event broker, routes and the frontend.

Run it with `trainboard serve`, or `uvicorn --factory backend.app:create_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from backend.db import init_db, make_engine
from backend.errors import error_responses, install_error_handlers
from backend.events import broker_for
from backend.frontend import mount_frontend
from backend.limits import BodySizeLimit
from backend.routes import artifacts, events, meta, metrics, runs, workers
from backend.services.leases import expire_leases_forever
from backend.settings import Settings

log = logging.getLogger(__name__)


def _package_version() -> str:
    try:
        return version("trainboard")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready app: database created or migrated, routes and frontend mounted. Settings default to the env."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    schema_version = init_db(engine)
    settings.artifact_dir.mkdir(parents=True, exist_ok=True)
    broker = broker_for(engine)  # LISTEN/NOTIFY across server processes on PostgreSQL

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        broker.start()
        lease_task = asyncio.create_task(
            expire_leases_forever(engine, broker, settings.lease_s, settings.lease_check_s)
        )
        log.info("trainboard backend ready (database %s)", engine.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            lease_task.cancel()
            broker.close()
            with contextlib.suppress(asyncio.CancelledError):
                await lease_task
            engine.dispose()

    app = FastAPI(
        title="Trainboard",
        version=_package_version(),
        summary="Launch and watch PyTorch training of image classifiers",
        lifespan=lifespan,
        responses=error_responses(400, 413),  # body parsing and the body size limit apply to every route
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.broker = broker
    app.state.schema_version = schema_version
    app.state.version = app.version
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    for module in (runs, metrics, artifacts, events, workers, meta):
        app.include_router(module.router)
    mount_frontend(app, settings.frontend_dir)
    return app
