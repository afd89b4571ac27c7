"""Fixtures for the GAN component tests."""
import pytest
import torch


@pytest.fixture(autouse=True)
def single_cpu_thread():
    """The networks here are tiny; with several busy cores, intra-op threads only contend
    (measured ~50x slower on a loaded 2-core machine), so run these tests single-threaded."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
