"""The shape of the code, as docs/development.md's "How the code is organised" states it: imports run one
way (no cycle in the runtime or the mock), only the transport imports websockets, nothing
in the runtime imports the generated package by name, and no module or class outgrows what a
reader holds in mind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(folder: Path) -> dict[str, set[str]]:
    """module -> the sibling modules it imports when it runs (``TYPE_CHECKING`` blocks left out)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        found: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.level == 1:
                    found.update([inner.module] if inner.module else [alias.name for alias in inner.names])
        graph[path.stem] = {name.split(".")[0] for name in found}
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


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_only_the_transport_imports_websockets() -> None:
    importing = sorted(
        path.name
        for path in (ROOT / "runtime" / "_core").glob("*.py")
        if "import websockets" in path.read_text() or "from websockets" in path.read_text()
    )
    assert importing == ["transport.py"]


def test_only_the_picows_transport_imports_picows() -> None:
    importing = sorted(
        path.name
        for path in (ROOT / "runtime" / "_core").glob("*.py")
        if "import picows" in path.read_text() or "from picows" in path.read_text()
    )
    assert importing == ["transport_picows.py"]


def test_the_runtime_never_imports_the_generated_package_by_name() -> None:
    for path in (ROOT / "runtime" / "_core").glob("*.py"):
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
    for path in sorted((ROOT / "runtime/_core").glob("*.py")):
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
