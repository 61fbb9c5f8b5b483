"""The layout's rules: no import cycle anywhere, and only the catalog's matching package talks to the matcher."""

import ast
from pathlib import Path

from tests.test_boundaries import ROOT, imported_modules

PACKAGES = ("services", "shared", "duijie")
MATCHING = "services.catalog.matching"


def module_files(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Every project module by dotted name (a package by its own name, for its __init__.py)."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Which project modules each project module imports, anywhere in its body (function-level imports too).

    Importing a.b.c also runs the packages a and a.b, so those count as imported as well.
    """
    files = module_files(root, packages)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for imported in imported_modules(path, package=package):
            parts = imported.split(".")
            for i in range(1, len(parts) + 1):
                prefix = ".".join(parts[:i])
                if prefix in files and prefix != name:
                    edges.add(prefix)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_the_projects_modules() -> None:
    graph = import_graph(ROOT)
    assert graph.get("services.catalog.main"), "the graph is empty"
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    pkg = tmp_path / "services" / "demo"
    pkg.mkdir(parents=True)
    for init in (tmp_path / "services" / "__init__.py", pkg / "__init__.py"):
        init.write_text("")
    (pkg / "main.py").write_text("from services.demo.sync import follow\n")
    (pkg / "sync.py").write_text("def follow():\n    from services.demo.main import build\n")
    (pkg / "other.py").write_text("from . import main\n")
    assert cycles(import_graph(tmp_path, ("services",))) == [["services.demo.main", "services.demo.sync"]]


def _talks_to_matcher(path: Path, module: str) -> list[str]:
    """What in a catalog module reaches the matcher: its HTTP client, httpx, or the matcher's address."""
    found = [m for m in imported_modules(path, package=module.rpartition(".")[0])
             if m == f"{MATCHING}.client" or m == "httpx" or m.startswith("httpx.")]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found += [f"line {n.lineno}: .matcher_url" for n in ast.walk(tree)
              if isinstance(n, ast.Attribute) and n.attr == "matcher_url"]
    return found


def catalog_modules_talking_to_matcher(root: Path) -> dict[str, list[str]]:
    """Catalog modules outside the matching package that reach the matcher, with what they use."""
    hits = {}
    for name, path in module_files(root, ("services",)).items():
        if not name.startswith("services.catalog") or name == MATCHING or name.startswith(MATCHING + "."):
            continue
        found = _talks_to_matcher(path, name)
        if found:
            hits[name] = found
    return hits


def test_only_the_matching_package_talks_to_the_matcher() -> None:
    assert (ROOT / "services" / "catalog" / "matching" / "client.py").exists()
    assert catalog_modules_talking_to_matcher(ROOT) == {}


def test_the_matcher_check_sees_each_way_of_reaching_it(tmp_path: Path) -> None:
    pkg = tmp_path / "services" / "catalog" / "portal"
    pkg.mkdir(parents=True)
    probes = {"a": "from services.catalog.matching import client\n",
              "b": "from services.catalog.matching.client import post_match\n",
              "c": "import httpx\n",
              "d": "def f(settings):\n    return settings.matcher_url\n",
              "e": "from services.catalog.matching import service\n"}
    for name, text in probes.items():
        (pkg / f"{name}.py").write_text(text)
    assert sorted(catalog_modules_talking_to_matcher(tmp_path)) == [f"services.catalog.portal.{n}" for n in "abcd"]
