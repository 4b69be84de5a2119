"""Settings for the whole test run, doctests in sk_swat/ included."""

import gc

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    # One thread: the models are tiny, CI machines are small and shared, and results do not
    # depend on the thread count. Several threads on a busy 2-core machine run 10-30x slower.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True, scope="session")
def _children_started_early(request, tmp_path_factory):
    """Start the child processes of the selected tests that wait for fresh Python interpreters.

    A test module may define ``start_children(tmp_path_factory, items)`` (``items``: its selected
    tests) and ``stop_children()``. The first is called here, before the first test: the children,
    each importing torch and transformers for seconds, then start on the cores the test process
    leaves idle while the tests before theirs run, instead of while their test waits. The tests
    take them over and end them; ``stop_children`` ends what is left at the end of the run (say,
    after ``-x``).
    """
    modules = {}
    for item in request.session.items:
        module = getattr(item, "module", None)
        if hasattr(module, "start_children"):
            modules.setdefault(module, []).append(item)
    try:
        for module, items in modules.items():
            module.start_children(tmp_path_factory, items)
        yield
    finally:
        for module in modules:
            module.stop_children()


def pytest_collection_finish(session):
    # What is imported and collected by now (torch, transformers, scikit-learn: half a million
    # objects) lives to the end of the run: keep it out of the garbage collector's full passes,
    # which otherwise walk all of it each time (a quarter of a second here, and pytest alone makes
    # five at the end of the run to look for unraisable exceptions).
    gc.freeze()
