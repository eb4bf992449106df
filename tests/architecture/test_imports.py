"""The package structure as docs/architecture.md draws it: one `trainboard` namespace, no cycles, one direction.

Imports are read from the source (every import statement, also those inside functions), so an arrow that
only runs later still counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[2]
PACKAGE_DIRS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]

# Which subpackage may import which (besides itself). The CLI may import everything; nothing imports it.
ALLOWED = {
    "trainboard": {"trainboard.plugins", "trainboard.sdk"},  # the SDK only on first use (see LAZY)
    "trainboard.sdk": {"trainboard.worker", "trainboard.trainer", "trainboard.common"},
    "trainboard.common": set(),
    "trainboard.plugins": set(),
    "trainboard.trainer": {"trainboard.common", "trainboard.plugins"},
    "trainboard.worker": {"trainboard.trainer", "trainboard.common", "trainboard.plugins"},
    "trainboard.backend": {"trainboard.trainer", "trainboard.common", "trainboard.frontend", "trainboard",
                           "trainboard.plugins"},
    "trainboard.cli": {"trainboard.trainer", "trainboard.common", "trainboard.worker", "trainboard.backend",
                       "trainboard", "trainboard.plugins", "trainboard.sdk"},
    "trainboard.frontend": set(),
}


# Arrows that only a module-level __getattr__ follows, on first use of the attribute: `trainboard.init` loads
# the SDK (and with it the worker's reporter) when a script calls it, never when the server imports trainboard.
LAZY = {("trainboard", "trainboard.sdk")}


def product_modules() -> dict[str, Path]:
    """Every module of the product by dotted name, from the package-dir mapping (longest folder wins)."""
    modules: dict[str, Path] = {}
    for package, folder in sorted(PACKAGE_DIRS.items(), key=lambda item: len(item[1])):
        for path in (REPO / folder).rglob("*.py"):
            parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([package, *parts])] = path
    # A folder mapped to its own package (backend/ -> trainboard.backend) is not also under worker/.
    return modules


def imported_names(path: Path, module: str) -> Iterator[str]:
    """Dotted names a module imports, absolute (relative imports resolved), with `from x import y` as x.y."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """module -> the product modules it imports."""
    modules = product_modules()
    return {
        module: {name for name in imported_names(path, module) if name in modules and name != module}
        for module, path in modules.items()
    }


def subpackage(module: str) -> str:
    """The layer a module belongs to: trainboard.<first part>, or the root `trainboard`."""
    if module == "trainboard.__main__":
        return "trainboard.cli"  # `python -m trainboard` is the CLI's other door
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def test_the_product_imports_nothing_under_a_bare_backend_worker_or_frontend_name() -> None:
    bare = []
    for module, path in product_modules().items():
        for name in imported_names(path, module):
            if name.split(".")[0] in ("backend", "worker", "frontend"):
                bare.append(f"{path.relative_to(REPO)} imports {name}")
    assert not bare, bare


def test_the_tests_and_benchmarks_import_the_product_by_its_package_name_only() -> None:
    bare = []
    for folder in ("tests", "benchmarks"):
        for path in (REPO / folder).rglob("*.py"):
            for name in imported_names(path, f"{folder}.x"):
                if name.split(".")[0] in ("backend", "worker", "frontend"):
                    bare.append(f"{path.relative_to(REPO)} imports {name}")
    assert not bare, bare


def test_the_import_graph_of_the_product_has_no_cycle() -> None:
    graph = import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


def test_each_subpackage_imports_only_the_layers_below_it() -> None:
    wrong = []
    for module, targets in import_graph().items():
        layer = subpackage(module)
        for target in targets:
            other = subpackage(target)
            if other != layer and other not in ALLOWED[layer]:
                wrong.append(f"{module} -> {target}")
    assert not wrong, wrong


def test_only_workers_and_the_cli_import_the_plugin_loader() -> None:
    # The server knows plugins from what workers report; it never imports user code (docs/architecture.md).
    importers = sorted(
        module for module, targets in import_graph().items() if "trainboard.plugins.loading" in targets
    )
    assert importers, "nothing imports the plugin loader"
    assert all(subpackage(module) in ("trainboard.worker", "trainboard.cli") for module in importers), importers


def test_the_server_reaches_the_plugin_loader_through_no_chain_of_imports() -> None:
    graph = import_graph()
    seen: set[str] = set()
    todo = [module for module in graph if subpackage(module) == "trainboard.backend"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(target for target in graph[module] if (module, target) not in LAZY)
    assert "trainboard.plugins.loading" not in seen
    assert not any(subpackage(module) in ("trainboard.worker", "trainboard.cli") for module in seen)


def test_the_live_event_broker_interface_does_not_know_its_postgresql_implementation() -> None:
    graph = import_graph()
    assert "trainboard.backend.live.postgres" not in graph["trainboard.backend.live.broker"]
    assert "trainboard.backend.live.postgres" not in graph["trainboard.backend.live.in_process"]


def test_every_fastapi_dependency_alias_is_defined_in_the_deps_module() -> None:
    defined_elsewhere = []
    for module, path in product_modules().items():
        if module == "trainboard.backend.deps":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("Dep") for t in node.targets
            ):
                defined_elsewhere.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not defined_elsewhere, defined_elsewhere


def test_lazy_arrows_are_imports_inside_a_module_getattr_only() -> None:
    modules = product_modules()
    for importer, target in LAZY:
        tree = ast.parse(modules[importer].read_text(encoding="utf-8"))
        module_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        top_names = {name for node in module_level for name in imported_names_of(node)}
        assert not any(name == target or name.startswith(f"{target}.") for name in top_names), (importer, target)
        getattrs = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "__getattr__"]
        inside = {name for g in getattrs for node in ast.walk(g) if isinstance(node, (ast.Import, ast.ImportFrom))
                  for name in imported_names_of(node)}
        assert target in inside, f"{importer} should import {target} in its __getattr__"


def imported_names_of(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The absolute names one import statement names (no relative imports in the product)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or "", *(f"{node.module}.{alias.name}" for alias in node.names)]


def test_importing_trainboard_loads_neither_the_sdk_nor_torch_until_init_is_used() -> None:
    import subprocess
    import sys

    code = (
        "import sys, trainboard\n"
        "assert 'trainboard.sdk' not in sys.modules and 'httpx' not in sys.modules and 'torch' not in sys.modules\n"
        "trainboard.init\n"
        "assert 'trainboard.sdk' in sys.modules and 'torch' not in sys.modules, 'the SDK must not import torch'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
