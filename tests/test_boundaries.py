"""The two services never import each other's code; they meet only in shared/ and over HTTP."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"catalog": "services.matcher", "matcher": "services.catalog"}


def imported_modules(path: Path, package: str | None = None) -> set[str]:
    """Every module a Python file imports (absolute names; relative imports resolved against its package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if package is None:
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.add(str(node.args[0].value))
    return found


def _forbidden(service: str) -> list[str]:
    other = SERVICES[service]
    hits = []
    for path in sorted((ROOT / "services" / service).rglob("*.py")):
        for module in imported_modules(path):
            if module == other or module.startswith(other + "."):
                hits.append(f"{path.relative_to(ROOT)} imports {module}")
    return hits


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_service_does_not_import_the_other(service: str) -> None:
    assert list((ROOT / "services" / service).rglob("*.py")), f"no sources found for {service}"
    assert _forbidden(service) == []


def test_shared_imports_neither_service() -> None:
    for path in sorted((ROOT / "shared").rglob("*.py")):
        assert not {m for m in imported_modules(path) if m.startswith("services")}, path


def test_the_check_sees_all_import_forms(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    for line in ["import services.matcher.engine", "from services.matcher import store",
                 "from ..matcher import vectors", "from .. import matcher",
                 "importlib.import_module('services.matcher.text')"]:
        probe.write_text(line + "\n", encoding="utf-8")
        found = imported_modules(probe, package="services.catalog")
        assert any(m == "services.matcher" or m.startswith("services.matcher.") for m in found), (line, found)
