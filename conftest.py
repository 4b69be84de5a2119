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


def pytest_collection_finish(session):
    # What is imported and collected by now (torch, transformers, scikit-learn: half a million
    # objects) lives to the end of the run: keep it out of the garbage collector's full passes,
    # which otherwise walk all of it each time (a quarter of a second here, and pytest alone makes
    # five at the end of the run to look for unraisable exceptions).
    gc.freeze()
