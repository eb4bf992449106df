"""What a browser fetches first: the page, its scripts, plotly.js (compressed), and /docs with no network."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_docs_page_loads_its_assets_from_this_server_not_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text) + re.findall(r"url: *'([^']+)'", page.text)
    assert sources and not [s for s in sources if s.startswith(("http://", "https://", "//"))], sources
    scripts = [s for s in sources if s.endswith(".js")]
    assert scripts
    for script in scripts:
        asset = client.get(script)
        assert asset.status_code == 200 and len(asset.content) > 100_000  # the Swagger UI bundle itself


def test_openapi_declares_the_bearer_scheme_and_readable_operation_ids(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    create = spec["paths"]["/api/runs"]["post"]
    assert create["operationId"] == "runs-create_run" and create["security"]
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))


def test_plotly_and_the_page_scripts_go_out_gzipped_to_browsers_that_accept_it(client: TestClient) -> None:
    for url in ("/static/plotly.min.js", "/static/js/app.js", "/"):
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        packed = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert plain.status_code == packed.status_code == 200
        assert "content-encoding" not in plain.headers and packed.headers["content-encoding"] == "gzip"
        assert packed.content == plain.content  # httpx undoes the gzip
        assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert client.get("/static/plotly.min.js").headers["content-type"].startswith("text/javascript")


def test_static_paths_outside_the_frontend_folder_are_not_served(client: TestClient) -> None:
    for url in ("/static/../settings.py", "/static/%2e%2e/backend/app.py", "/static/__init__.py", "/static/nope.js"):
        assert client.get(url).status_code == 404, url
