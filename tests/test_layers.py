"""The layout the README's Architecture section describes: imports run one way, migrations
never import today's code, schemas import nothing from api/, tests never import bench/, and
no module of the API or its schemas is over 300 lines."""

import ast
from pathlib import Path

from conftest import ROOT

# Top to bottom: a module may import its own layer and those below it. Each folder of api/ is
# one layer; http/ has three, its views above a write's transaction above what views share.
LAYERS = [
    ["api.cli"],
    ["api.http.app", "api.http.resources", "api.http.serving"],
    ["api.http.writes", "api.http.shared_writes"],
    ["api.http"],
    ["api.services"],
    ["api.queries"],
    ["api.store"],
    ["api.models", "api.db", "api.config"],
    ["api.common"],
]


def layer(name: str) -> int | None:
    for depth, modules in enumerate(LAYERS):
        if any(name == m or name.startswith(m + ".") for m in modules):
            return depth
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The modules a file imports, relative imports resolved, as dotted names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def sources(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_of_api_has_a_layer():
    unplaced = [
        module_name(p)
        for p in sources("api")
        if "migrations" not in p.parts and p != ROOT / "api" / "__init__.py"
        if layer(module_name(p)) is None
    ]
    assert not unplaced, "add these to the README's Architecture section and LAYERS"


def test_imports_run_one_way():
    upward = []
    for path in sources("api"):
        here = layer(module_name(path))
        if here is None:
            continue
        for target in imported(path):
            there = layer(target)
            if there is not None and there < here:
                upward.append(f"{module_name(path)} imports {target}")
    assert not upward


def test_migration_steps_never_import_todays_code():
    # The runner (api/migrations/__init__.py) is today's code; each step is frozen.
    for path in sorted((ROOT / "api" / "migrations").glob("m[0-9]*.py")):
        outside = {
            t for t in imported(path) if t.startswith("api.") and not t.startswith("api.migrations")
        }
        assert not outside, (path.name, outside)


def test_schemas_import_nothing_from_api():
    for path in sources("schemas"):
        assert not {t for t in imported(path) if t == "api" or t.startswith("api.")}, path.name


def test_tests_never_import_bench():
    for path in sources("tests"):
        assert not {t for t in imported(path) if t.split(".")[0] == "bench"}, path.name


def test_every_module_of_api_and_schemas_has_at_most_300_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for folder in ("api", "schemas")
        for p in sources(folder)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300
    }
    assert not long
