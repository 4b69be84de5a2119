"""Settings for the whole test run, doctests in sk_swat/ included."""

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
