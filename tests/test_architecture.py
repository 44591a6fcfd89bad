"""The structure holds: the core is a plain library that never imports Textual nor the UI,
no module imports another that (directly or not) imports it back, and the public API and
the exception hierarchy are what the README promises."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import core

PROJECT = Path(core.__file__).resolve().parents[1]


def test_core_never_imports_textual():
    modules = [m.name for m in pkgutil.walk_packages(core.__path__, "core.")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 0, result.stderr
    assert len(modules) > 20
    assert result.stdout.strip() == ""


def test_version_flag():
    result = subprocess.run([sys.executable, "-m", "core.cli.main", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"copydesk {core.__version__}"


# -- the import graph ----------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            inside.update(id(n) for n in ast.walk(node))
    return inside


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, at module level or inside functions (a lazy
    import still ties two modules together), leaving out ``if TYPE_CHECKING:`` imports. An
    import of a package's name alone (``from . import x`` names ``x``, not the package)
    counts as importing the submodule it names."""
    paths = {_module_name(p): p for package in ("core", "tui") for p in (PROJECT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                submodules = [f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in paths]
                found.update(submodules or [module])
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    assert _cycles(import_graph()) == []


def test_the_core_never_imports_the_ui():
    graph = import_graph()
    assert {m: sorted(t for t in targets if t.startswith("tui")) for m, targets in graph.items()
            if m.startswith("core") and any(t.startswith("tui") for t in targets)} == {}


def test_the_graph_sees_lazy_imports_and_circles():
    """The graph is what the two tests above rely on: it must see a function-level import
    and report a circle made of them."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert "core.cli.main" in import_graph()["tui.launch"]  # imported inside main()


def test_no_private_name_is_imported_from_another_module():
    imported = []
    for package in ("core", "tui"):
        for path in (PROJECT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom):
                    imported += [f"{path.relative_to(PROJECT)}: {node.module}.{alias.name}" for alias in node.names
                                 if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert imported == []


# -- the public API and the errors ---------------------------------------------------------


def test_every_public_name_resolves_and_errors_share_one_base():
    errors = []
    for name in core.__all__:
        value = getattr(core, name)
        if isinstance(value, type) and issubclass(value, Exception):
            errors.append(value)
    assert core.CopydeskError in errors and len(errors) > 5
    assert all(issubclass(error, core.CopydeskError) for error in errors)


def test_every_exception_class_in_the_core_is_a_copydesk_error():
    import importlib

    for info in pkgutil.walk_packages(core.__path__, "core."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == info.name:
                assert issubclass(value, core.CopydeskError), f"{info.name}.{value.__name__}"
