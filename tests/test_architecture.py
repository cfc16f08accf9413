"""The package layout of docs/architecture.md, checked: no import cycle, no import up the stages, MLflow behind one door.

The import graph is read with `ast` from the source of fazhi/ and features/: imports at
module level and inside functions alike, `if TYPE_CHECKING:` ones too.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def modules() -> dict[str, Path]:
    out = {}
    # The folder features/ installs as the package fazhi_features (pyproject.toml's package-dir).
    for top, package in (("fazhi", "fazhi"), ("features", "fazhi_features")):
        for path in (ROOT / top).rglob("*.py"):
            parts = (package, *path.relative_to(ROOT / top).with_suffix("").parts)
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The fazhi and features modules `name` imports (a package's __init__ counts for `from pkg import x`
    only when x is not a module of its own)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def stages() -> list[list[str]]:
    """The stages in docs/architecture.md's order, lowest first: the lines of its
    `<!-- stages -->` block, each a list of module or package names."""
    block = re.search(r"<!-- stages\n(.*?)-->", ARCHITECTURE.read_text(encoding="utf-8"), re.S).group(1)
    return [line.split(":", 1)[1].split() for line in block.strip().splitlines()]


def stage_of(module: str, order: list[list[str]]) -> int:
    best, length = None, -1
    for i, names in enumerate(order):
        for n in names:
            if (module == n or module.startswith(n + ".")) and len(n) > length:
                best, length = i, len(n)
    assert best is not None, f"{module} is in no stage of docs/architecture.md"
    return best


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_has_no_cycle():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_a_higher_stage():
    order = stages()
    upward = [f"{m} ({stage_of(m, order)}) imports {t} ({stage_of(t, order)})"
              for m, targets in graph().items() for t in targets
              if m != "fazhi" and t != "fazhi" and stage_of(t, order) > stage_of(m, order)]
    assert upward == []


def test_every_module_is_in_a_stage_and_the_packages_follow_the_data():
    order = stages()
    for module in modules():
        if module != "fazhi":
            stage_of(module, order)
    flat = [n for names in order for n in names]
    assert flat.index("fazhi.corpus") < flat.index("fazhi.modeling") < flat.index("fazhi.tagging") < flat.index("fazhi.cli")


def test_mlflow_is_imported_only_through_fazhi_mlflowlib():
    for name, path in modules().items():
        if name == "fazhi.mlflowlib" or not _of_fazhi(name):  # fazhi_features is the model's own code
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n == "mlflow" or n.startswith("mlflow.") for n in names), f"{name} imports MLflow itself"


def _of_fazhi(module: str) -> bool:
    return module == "fazhi" or module.startswith("fazhi.")


def test_features_imports_nothing_of_fazhi():
    edges = graph()
    assert any(m.startswith("fazhi_features.") for m in edges)
    assert not any(_of_fazhi(t) for m, ts in edges.items() if m.startswith("fazhi_features") for t in ts)


def test_training_and_sweep_know_nothing_of_mlflow():
    edges = graph()
    for module in ("fazhi.modeling.training", "fazhi.modeling.sweep"):
        assert not any(t.startswith(("fazhi.tracking", "fazhi.mlflowlib")) for t in edges[module]), module
