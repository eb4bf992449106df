"""Serving the static frontend: index.html for the page routes, frontend/ under /static, and plotly.js."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

PAGE_ROUTES = ("/", "/launch", "/compare", "/runs/{run_id}")


def plotly_js_path() -> Path | None:
    """plotly.min.js as shipped inside the installed plotly package (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


def mount_frontend(app: FastAPI, frontend_dir: Path) -> None:
    """Page routes answer with index.html (the page picks its view from the URL); assets under /static."""
    index = frontend_dir / "index.html"
    plotly_js = plotly_js_path()

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> Response:
        if plotly_js is None:
            return PlainTextResponse("plotly is not installed on the server", status_code=404)
        return FileResponse(plotly_js, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    def page() -> Response:
        if not index.is_file():
            return PlainTextResponse(f"no frontend at {frontend_dir}; the API is at /docs", status_code=404)
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})

    for path in PAGE_ROUTES:
        app.add_api_route(path, page, methods=["GET"], include_in_schema=False)
    if frontend_dir.is_dir():
        app.mount("/static", StaticFiles(directory=frontend_dir), name="static")
