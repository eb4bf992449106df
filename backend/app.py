"""The FastAPI application: `create_app()` wires settings, database, event broker, routes and the frontend.

Run it with `trainboard serve`, or `uvicorn --factory trainboard.backend.app:create_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.middleware.trustedhost import TrustedHostMiddleware

import trainboard
from trainboard.backend.cross_site import CrossSiteGuard
from trainboard.backend.db import init_db, make_engine
from trainboard.backend.errors import error_responses, install_error_handlers
from trainboard.backend.frontend import mount_frontend
from trainboard.backend.limits import BodySizeLimit
from trainboard.backend.live.brokers import broker_for
from trainboard.backend.routes import (
    artifacts,
    evaluations,
    events,
    external_runs,
    groups,
    meta,
    metrics,
    runs,
    session,
    sweeps,
    workers,
)
from trainboard.backend.services.leases import expire_leases_forever
from trainboard.backend.settings import Settings
from trainboard.backend.sweeps.reconcile import reconcile_sweeps_forever

log = logging.getLogger(__name__)

DOCS_ASSETS_URL = "/static-docs"  # Swagger UI and ReDoc, served from the installed fastapi-offline package


def operation_id(route: APIRoute) -> str:
    """Readable OpenAPI operation ids: 'runs-create_run', 'workers-claim_run'."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


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
            expire_leases_forever(engine, broker, settings.lease_s, settings.max_attempts, settings.lease_check_s)
        )
        sweep_task = asyncio.create_task(reconcile_sweeps_forever(engine, broker, settings))
        log.info("trainboard backend ready (database %s)", engine.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            lease_task.cancel()
            sweep_task.cancel()
            broker.close()
            with contextlib.suppress(asyncio.CancelledError):
                await lease_task
            with contextlib.suppress(asyncio.CancelledError):
                await sweep_task
            engine.dispose()

    app = FastAPIOffline(
        title="Trainboard",
        version=trainboard.__version__,
        summary="Launch and watch PyTorch training of image classifiers",
        lifespan=lifespan,
        # Body parsing, the body size limit and the cross-site guard (403, 415) apply to every route.
        responses=error_responses(400, 403, 413, 415),
        generate_unique_id_function=operation_id,
        static_url=DOCS_ASSETS_URL,
        swagger_ui_parameters={"persistAuthorization": True},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.broker = broker
    app.state.schema_version = schema_version
    app.state.version = app.version
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(CrossSiteGuard)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))  # DNS rebinding
    for module in (external_runs, runs, groups, sweeps, metrics, artifacts, evaluations, events, workers, meta, session):
        app.include_router(module.router)
    mount_frontend(app, settings.frontend_dir)
    return app
