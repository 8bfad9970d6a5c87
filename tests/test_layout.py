"""The shape of the code, as docs/development.md's "How the code is organised" states it: imports run one
way (no cycle in the runtime or the mock), only the transport imports websockets, nothing
in the runtime imports the generated package by name, and no module or class outgrows what a
reader holds in mind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _module_name(folder: Path, path: Path) -> str:
    parts = list(path.relative_to(folder).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or "__init__"


def _imports(folder: Path) -> dict[str, set[str]]:
    """module (dotted, under ``folder``) -> the modules of ``folder`` it imports, ``TYPE_CHECKING``
    blocks and imports inside functions counted: a cycle only the type checker sees is still a cycle
    for a reader, and a lazy import still binds the two modules together."""
    modules = {_module_name(folder, path): path for path in sorted(folder.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        if name == "__init__":  # (the folder's own package: its imports are of its modules)
            package: list[str] = []
        else:
            package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                # an import that climbs out of the folder (into the generated package, say) is a
                # dependency the layout cannot see: refused outright
                assert node.level - 1 <= len(package), f"{name} imports from above {folder.name}: {ast.unparse(node)}"
                base = package[: len(package) - (node.level - 1)]
                source = [*base, *node.module.split(".")] if node.module else base
                for alias in node.names:  # a name is a module of its own (``from . import x``) or in one
                    submodule = ".".join([*source, alias.name])
                    found.add(submodule if submodule in modules else ".".join(source) or "__init__")
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return path[path.index(module) :] + [module]
        if module in done:
            return None
        for imported in sorted(graph.get(module, ())):
            found = visit(imported, [*path, module])
            if found:
                return found
        done.add(module)
        return None

    for module in sorted(graph):
        found = visit(module, [])
        if found:
            return found
    return None


@pytest.mark.parametrize("folder", ["runtime/_core", "deribit_mock"])
def test_imports_run_one_way(folder: str) -> None:
    assert _cycle(_imports(ROOT / folder)) is None


#: The runtime's parts (docs/development.md, "How the code is organised") and the parts each may
#: import; the base modules (errors, redact, types, retry) import no part. ``interface`` (checked by
#: mypy alone) sits above both clients.
PARTS: dict[str, set[str]] = {
    "base": set(),
    "spec": {"base"},
    "limits": {"base", "spec"},
    "engine": {"base", "spec"},
    "transports": {"base", "spec"},
    "http": {"base", "spec", "limits"},
    "ws": {"base", "spec", "limits", "engine", "transports"},
    "interface": {"base", "spec", "http", "ws"},
}


def _part(module: str) -> str:
    head = module.split(".")[0]
    return head if head in PARTS and head != "base" else "base"


def test_each_part_of_the_runtime_imports_only_the_parts_below_it() -> None:
    crossings = sorted(
        f"{module} -> {imported}"
        for module, imported_set in _imports(ROOT / "runtime/_core").items()
        for imported in imported_set
        if _part(imported) != _part(module) and _part(imported) not in PARTS[_part(module)]
    )
    assert crossings == []


def test_the_runtime_is_in_its_parts() -> None:
    # A module at the top of the runtime is a base module (imports no part), the package's
    # docstring, or the interface check; everything else lives in a part.
    top = sorted(p.name for p in (ROOT / "runtime/_core").glob("*.py"))
    assert top == ["__init__.py", "errors.py", "interface.py", "redact.py", "retry.py", "types.py"]
    parts = sorted(p.name for p in (ROOT / "runtime/_core").iterdir() if p.is_dir() and p.name != "__pycache__")
    assert parts == sorted(set(PARTS) - {"base", "interface"})


def test_the_layout_check_sees_type_checking_imports_and_crossings(tmp_path: Path) -> None:
    (tmp_path / "engine").mkdir()
    (tmp_path / "ws").mkdir()
    (tmp_path / "engine" / "__init__.py").write_text("")
    (tmp_path / "ws" / "__init__.py").write_text("")
    (tmp_path / "engine" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..ws.b import B\n"
    )
    (tmp_path / "ws" / "b.py").write_text("from ..engine import a\n")
    graph = _imports(tmp_path)
    assert graph["engine.a"] == {"ws.b"} and graph["ws.b"] == {"engine.a"}
    assert _cycle(graph) == ["engine.a", "ws.b", "engine.a"]
    assert "ws" not in PARTS[_part("engine.a")]
    # through the folder's own __init__, and from inside a function
    (tmp_path / "engine" / "a.py").write_text("def f():\n    from .. import top\n")
    (tmp_path / "top.py").write_text("")
    (tmp_path / "__init__.py").write_text("from .engine import a\n")
    graph = _imports(tmp_path)
    assert graph["__init__"] == {"engine.a"} and graph["engine.a"] == {"top"}
    (tmp_path / "engine" / "a.py").write_text("from ...outside import x\n")
    with pytest.raises(AssertionError, match="imports from above"):
        _imports(tmp_path)


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_only_the_transport_imports_websockets() -> None:
    importing = sorted(
        path.name
        for path in (ROOT / "runtime" / "_core").rglob("*.py")
        if "import websockets" in path.read_text() or "from websockets" in path.read_text()
    )
    assert importing == ["on_websockets.py"]


def test_only_the_picows_transport_imports_picows() -> None:
    importing = sorted(
        path.name
        for path in (ROOT / "runtime" / "_core").rglob("*.py")
        if "import picows" in path.read_text() or "from picows" in path.read_text()
    )
    assert importing == ["on_picows.py"]


def test_the_runtime_never_imports_the_generated_package_by_name() -> None:
    for path in (ROOT / "runtime" / "_core").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("deribit_session_client") for a in node.names), path.name
            if isinstance(node, ast.ImportFrom):
                assert node.level > 0 or not (node.module or "").startswith("deribit_session_client"), path.name
        assert "import_module" not in path.read_text(), path.name  # (how it did: by name, at run time)


#: The runtime's size bounds (docs/development.md, "How the code is organised"): lines per module, and
#: lines of code per class (its docstring left out).
MODULE_LINES = 420
CLASS_LINES = 330


def test_no_runtime_module_or_class_outgrows_its_bound() -> None:
    too_big = []
    for path in sorted((ROOT / "runtime/_core").rglob("*.py")):
        text = path.read_text()
        if len(text.splitlines()) > MODULE_LINES:
            too_big.append(f"{path.name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                doc = node.body[0] if node.body and isinstance(node.body[0], ast.Expr) else None
                doc_lines = (doc.end_lineno or doc.lineno) - doc.lineno + 1 if doc is not None else 0
                size = node.end_lineno - node.lineno + 1 - doc_lines
                if size > CLASS_LINES:
                    too_big.append(f"{path.name}: class {node.name} {size} lines")
    assert too_big == []
