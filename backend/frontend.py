"""Serving the static frontend: index.html for the page routes, frontend files under /static, and plotly.js.

Text files go out gzip-compressed to browsers that accept it (plotly.min.js: 4.8 MB, about 1.4 MB compressed);
each file is compressed once and kept in memory until it changes on disk.
"""

from __future__ import annotations

import gzip
import importlib.util
import mimetypes
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response

PAGE_ROUTES = ("/", "/launch", "/compare", "/workers", "/runs/{run_id}", "/sweeps", "/sweeps/{sweep_id}")
COMPRESSIBLE = (".js", ".css", ".html", ".json", ".svg", ".map")
GZIP_LEVEL = 6  # zlib's default: most of level 9's gain at a fraction of its time


def plotly_js_path() -> Path | None:
    """plotly.min.js as shipped inside the installed plotly package (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


class CompressedFiles:
    """Gzipped copies of files, made on first request and again when a file's size or mtime changes."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple[int, int], bytes]] = {}
        self._lock = threading.Lock()

    def gzipped(self, path: Path) -> bytes:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        data = gzip.compress(path.read_bytes(), compresslevel=GZIP_LEVEL, mtime=0)
        with self._lock:
            self._cache[path] = (key, data)
        return data

    def response(self, request: Request, path: Path, media_type: str, cache_control: str) -> Response:
        """The file, gzipped when the client accepts it and the type compresses well."""
        headers = {"Cache-Control": cache_control, "Vary": "Accept-Encoding"}
        accepts_gzip = "gzip" in request.headers.get("accept-encoding", "").lower()
        if accepts_gzip and path.suffix in COMPRESSIBLE:
            body = self.gzipped(path)
            return Response(body, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
        return FileResponse(path, media_type=media_type, headers=headers)


def _media_type(path: Path) -> str:
    if path.suffix == ".js":
        return "text/javascript"  # ES modules need a JavaScript type whatever the system's mime table says
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def mount_frontend(app: FastAPI, frontend_dir: Path) -> None:
    """Page routes answer with index.html (the page picks its view from the URL); assets under /static."""
    root = frontend_dir.resolve()
    index = root / "index.html"
    plotly_js = plotly_js_path()
    files = CompressedFiles()

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_bundle(request: Request) -> Response:
        if plotly_js is None:
            return PlainTextResponse("plotly is not installed on the server", status_code=404)
        return files.response(request, plotly_js, "text/javascript", "max-age=86400")

    @app.get("/static/{file_path:path}", include_in_schema=False)
    def static_file(request: Request, file_path: str) -> Response:
        path = (root / file_path).resolve()
        if not path.is_relative_to(root) or not path.is_file() or path.suffix == ".py":
            return PlainTextResponse("Not Found", status_code=404)
        return files.response(request, path, _media_type(path), "no-cache")

    def page(request: Request) -> Response:
        if not index.is_file():
            return PlainTextResponse(f"no frontend at {frontend_dir}; the API is at /docs", status_code=404)
        return files.response(request, index, "text/html; charset=utf-8", "no-cache")

    for route in PAGE_ROUTES:
        app.add_api_route(route, page, methods=["GET"], include_in_schema=False)
