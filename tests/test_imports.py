"""Imports inside ``sk_swat`` go one way: no cycle, no module importing a layer above it.

The modules are read with ``ast``, not imported, so that every import counts: relative and
absolute ones, and those inside functions (which run later but tie the modules just the same).
"""

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sk_swat"


#: Layer of each module (or package: a prefix covers its submodules); a module may import only
#: modules of its own layer or of lower ones. Data flows datasets -> estimator -> search ->
#: autoencoder/encoding -> SparseMLP; the estimator sits above everything it drives.
LAYERS = {
    # The package's __init__ holds __version__ and imports its public names lazily; importing one
    # of those names counts as importing the module that defines it (see _imports).
    "sk_swat": 0,
    "sk_swat.activations": 0,
    "sk_swat.datasets": 0,
    "sk_swat.utils": 0,
    "sk_swat.mlp": 1,
    "sk_swat.encoding": 2,
    "sk_swat.plotting": 2,
    "sk_swat.torch_mlp": 3,
    "sk_swat.autoencoder": 4,
    "sk_swat.search": 5,
    "sk_swat.refinement": 5,
    "sk_swat._scaling": 6,
    "sk_swat.export": 6,
    "sk_swat.baselines._common": 6,
    "sk_swat.baselines.admm": 6,
    "sk_swat.baselines.darts": 6,
    "sk_swat.baselines.dense": 6,
    "sk_swat.baselines.pruned": 6,
    "sk_swat._regressor": 7,
    # SWATADMMRegressor is a meta-estimator of SWATRegressor (it fits one, then prunes its
    # network), above it as sklearn's ensembles are above their base estimators.
    "sk_swat.baselines": 8,
    "sk_swat.baselines.swat_admm": 8,
    "sk_swat.compression": 8,
    "sk_swat.demo": 9,
    "sk_swat.cli": 10,
}

#: Modules below the estimator: they must not import scikit-learn (DESIGN.md).
BELOW_THE_ESTIMATOR = [
    "sk_swat.activations", "sk_swat.datasets", "sk_swat.utils", "sk_swat.mlp", "sk_swat.encoding",
    "sk_swat.torch_mlp", "sk_swat.autoencoder", "sk_swat.search", "sk_swat.refinement",
]


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@functools.lru_cache(maxsize=None)
def _lazy_public_names():
    """``sk_swat._PUBLIC``: public name -> the module that defines it, read from the source."""
    for node in ast.walk(ast.parse((PACKAGE / "__init__.py").read_text())):
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["_PUBLIC"]:
            return ast.literal_eval(node.value)
    return {}


def _imports(name, path):
    """Every module named by an import statement of ``name``, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    public = _lazy_public_names()
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            # `from . import encoding` imports a module; `from .mlp import SparseMLP` a name.
            found.update(f"{module}.{alias.name}" for alias in node.names)
            if module == "sk_swat":
                found.update(public[alias.name] for alias in node.names if alias.name in public)
    return found


def import_graph(modules=None):
    """``{module: set of sk_swat modules it imports}`` for every module of the package."""
    modules = _modules() if modules is None else modules
    graph = {}
    for name, path in modules.items():
        targets = {m for m in _imports(name, path) if m in modules and m != name}
        graph[name] = targets
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules (first repeated at the end), or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, stack)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def layer(module):
    """Layer of ``module``: that of the longest entry of LAYERS that is it or a package above it."""
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or (prefix != "sk_swat" and module.startswith(prefix + ".")):
            return LAYERS[prefix]
    raise KeyError(f"{module} has no layer: add it to LAYERS in tests/test_imports.py.")


@functools.lru_cache(maxsize=None)
def _package_graph():
    return import_graph()


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(_package_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_module_imports_a_layer_above_it():
    upward = [
        f"{module} (layer {layer(module)}) imports {target} (layer {layer(target)})"
        for module, targets in sorted(_package_graph().items())
        for target in sorted(targets)
        if layer(target) > layer(module)
    ]
    assert not upward, "\n".join(upward)


def test_nothing_below_the_estimator_imports_sklearn():
    modules = _modules()
    offenders = [
        name
        for name, path in modules.items()
        if any(name == low or name.startswith(low + ".") for low in BELOW_THE_ESTIMATOR)
        and any(m == "sklearn" or m.startswith("sklearn.") for m in _imports(name, path))
    ]
    assert not offenders, f"import scikit-learn below the estimator: {offenders}"


def test_plotting_knows_no_estimator():
    imported = _package_graph()["sk_swat.plotting"]
    assert not imported & {"sk_swat._regressor", "sk_swat._scaling", "sk_swat"}, imported
    assert not any(m.startswith("sk_swat.baselines") for m in imported), imported


@pytest.mark.parametrize(
    "source, expected",
    [
        ({"sk_swat.a": "from . import b", "sk_swat.b": "import sk_swat.a"}, ["sk_swat.a", "sk_swat.b", "sk_swat.a"]),
        ({"sk_swat.a": "def f():\n    from .b import x", "sk_swat.b": "from .a import y"},
         ["sk_swat.a", "sk_swat.b", "sk_swat.a"]),
        ({"sk_swat.a": "from .b import x", "sk_swat.b": "import numpy"}, None),
    ],
    ids=["module-level", "inside-a-function", "no-cycle"],
)
def test_the_cycle_finder_sees_cycles(tmp_path, source, expected):
    modules = {}
    for name, text in source.items():
        path = tmp_path / "sk_swat" / (name.split(".")[-1] + ".py")
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        modules[name] = path
    assert find_cycle(import_graph(modules)) == expected
