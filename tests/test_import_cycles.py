"""No module of the wscodec package imports itself back through others.

An import cycle works or fails depending on which module is imported first,
and a name bound at the bottom of one module is missing in the other while
the cycle is half-run.  The graph is built from the source files, so it
covers both backends alike and needs neither to be importable; imports
inside functions count (they run, just later), imports under
``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "wscodec"
SOURCE = Path(__file__).resolve().parent.parent / PACKAGE


def _modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py of the package."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth."""
    found: list[ast.Import | ast.ImportFrom] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


def _base(module: str, is_package: bool, node: ast.ImportFrom) -> str | None:
    """The absolute name ``from ... import`` takes its names from."""
    if not node.level:
        return node.module
    parts = module.split(".")
    # A package's own name is where level 1 points; a module's is its parent.
    keep = len(parts) - node.level + (1 if is_package else 0)
    if keep < 1:
        return None
    base = ".".join(parts[:keep])
    return f"{base}.{node.module}" if node.module else base


def _owning_module(name: str, modules: dict[str, Path]) -> str | None:
    """The package module that ``import name`` runs last (the longest prefix)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def import_graph(root: Path = SOURCE) -> dict[str, set[str]]:
    modules = _modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in _imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _base(module, is_package, node)
                if base is None:
                    continue
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    # "from pkg import name" imports the submodule when there is one.
                    targets.append(submodule if submodule in modules else base)
            for target in targets:
                owner = _owning_module(target, modules)
                if owner is None:
                    continue
                graph[module].add(owner)
                # Importing a.b.c runs a.b first; the packages this module
                # sits in are already being imported, so they add nothing.
                parts = owner.split(".")
                for end in range(1, len(parts)):
                    parent = ".".join(parts[:end])
                    if parent in modules and not _contains(parent, module):
                        graph[module].add(parent)
        graph[module].discard(module)
    return graph


def _contains(package: str, module: str) -> bool:
    return module == package or module.startswith(package + ".")


def find_cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """For each strongly connected component of more than one module
    (Tarjan): a cycle through it, and its modules that cycle misses."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    cycles = []
    for component in components:
        cycle = _cycle_in(graph, set(component))
        cycles.append((cycle, sorted(set(component) - set(cycle))))
    return cycles


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A concrete path a -> ... -> a inside a strongly connected component."""
    start = min(component)
    paths = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for nxt in sorted(graph[node] & component):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                todo.append(nxt)
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")


def test_source_tree_found():
    assert (SOURCE / "__init__.py").is_file(), SOURCE
    graph = import_graph()
    # The graph must see the edges it is about, relative imports included.
    assert "wscodec._types" in graph["wscodec"]
    assert "wscodec.handshake" in graph["wscodec"]


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    # One path per tangle; the modules listed after it take part too.
    assert not cycles, "import cycles: " + "; ".join(
        " -> ".join(cycle) + (f" (with {', '.join(others)})" if others else "")
        for cycle, others in cycles
    )


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_resolution(tmp_path):
    root = _write(tmp_path, {
        "pkg/__init__.py": "from . import a\nfrom .sub import c\n",
        "pkg/a.py": "import pkg.b\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import c\n",
        "pkg/b.py": "def f():\n    from .sub.c import name\n",
        "pkg/sub/__init__.py": "from .. import a\n",
        "pkg/sub/c.py": "from ..a import thing\nimport os\n",
    })
    graph = import_graph(root)
    assert graph == {
        "pkg": {"pkg.a", "pkg.sub", "pkg.sub.c"},
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.sub", "pkg.sub.c"},
        "pkg.sub": {"pkg.a"},
        "pkg.sub.c": {"pkg.a"},
    }
    assert find_cycles(graph) == [(["pkg.a", "pkg.b", "pkg.sub", "pkg.a"], ["pkg.sub.c"])]


def test_else_of_type_checking_counts(tmp_path):
    root = _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "if TYPE_CHECKING:\n    from . import b\nelse:\n    from . import c\n",
        "pkg/b.py": "",
        "pkg/c.py": "",
    })
    assert import_graph(root)["pkg.a"] == {"pkg.c"}
