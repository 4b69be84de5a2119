"""Every public class and function has a numpydoc Examples section (run by the doctests).

The names are those of the API reference (docs/api.rst): the ``__all__`` of the public modules,
and the documented parts of the lower-level ones. The doctests themselves run with
``python -m pytest sk_swat`` (``--doctest-modules``).
"""

import importlib
import inspect
import re

import pytest

#: module -> names (None: its ``__all__``).
PUBLIC = {
    "sk_swat": None,
    "sk_swat.autoencoder": None,
    "sk_swat.autoencoder.functional": None,
    "sk_swat.autoencoder.loading": None,
    "sk_swat.autoencoder.pretraining": None,
    "sk_swat.autoencoder.random_mlps": None,
    "sk_swat.autoencoder.evaluation": None,
    "sk_swat.baselines": None,
    "sk_swat.datasets": None,
    "sk_swat.export": None,
    "sk_swat.encoding": ["mlp_to_tokens", "tokens_to_mlp", "split_tokens", "layout", "real_entries", "TokenLayout",
                         "token_width", "max_outputs_of"],
    "sk_swat.plotting": None,
    "sk_swat.search": None,
    "sk_swat.torch_mlp": None,
    "sk_swat.utils": None,
    "sk_swat.cli": ["build_parser", "main"],
    "sk_swat.demo": ["run_demo"],
}


def _public_objects():
    for module_name, names in PUBLIC.items():
        module = importlib.import_module(module_name)
        for name in names or module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or callable(obj):  # constants (EXPERIMENTS, FIELDS) have no docstring
                yield pytest.param(obj, id=f"{module_name}.{name}")


@pytest.mark.parametrize("obj", list(_public_objects()))
def test_public_name_has_a_runnable_examples_section(obj):
    doc = inspect.getdoc(obj) or ""
    match = re.search(r"^Examples\n--------\n(.*?)(?=^\S[^\n]*\n-{3,}\n|\Z)", doc, re.M | re.S)
    assert match, f"{obj.__module__}.{obj.__qualname__} has no numpydoc 'Examples' section"
    assert ">>> " in match.group(1), f"the Examples section of {obj.__qualname__} has no doctest"
