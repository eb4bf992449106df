"""What can be run and whether the server is up: presets, models, datasets, health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

from trainboard.backend.deps import SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.schemas import DatasetsPublic, Health, ModelsPublic, PresetsPublic
from trainboard.backend.services.catalog import list_datasets, list_models, list_presets
from trainboard.backend.services.offers import live_workers

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/presets", response_model=PresetsPublic, dependencies=[TokenDep], responses=error_responses(401))
def read_presets() -> PresetsPublic:
    """Named configs: the seed report's experiments and the fast recipe."""
    return list_presets()


@router.get("/models", response_model=ModelsPublic, dependencies=[TokenDep], responses=error_responses(401))
def read_models(session: SessionDep, settings: SettingsDep) -> ModelsPublic:
    """Networks a run can train: the built-ins and what live workers' plugins offer, with their options."""
    return list_models(live_workers(session, settings.lease_s))


@router.get("/datasets", response_model=DatasetsPublic, dependencies=[TokenDep], responses=error_responses(401))
def read_datasets(session: SessionDep, settings: SettingsDep) -> DatasetsPublic:
    """Datasets: the built-ins (present in the server's data directory, downloadable, or missing, and how to get
    them) and what live workers offer, each with the workers that have it."""
    return list_datasets(settings.data_dir, live_workers(session, settings.lease_s))


@router.get("/health", response_model=Health)
def read_health(request: Request, session: SessionDep) -> Health:
    """The server answers and its database works (no token needed)."""
    session.exec(text("SELECT 1"))
    state = request.app.state
    return Health(
        status="ok", version=state.version, database=state.engine.dialect.name, schema_version=state.schema_version
    )
