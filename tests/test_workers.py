"""fazhi.workers: an ordered parallel map in processes that never outlive fazhi (their death with a killed
`fazhi sweep` is tested on the real command in test_interrupts.py)."""

import os

import pytest

from fazhi.workers import parallel
from processes import alive


def test_results_come_in_the_order_of_the_arguments():
    with parallel(2, 6) as run:
        assert list(run(pow, [(2, n) for n in range(6)])) == [1, 2, 4, 8, 16, 32]


def test_one_job_runs_in_this_process():
    with parallel(1, 3) as run:
        assert list(run(os.getpid, [(), ()])) == [os.getpid()] * 2


def test_an_error_in_a_worker_reaches_the_caller_and_the_workers_stop():
    with pytest.raises(ValueError, match="invalid literal"):
        with parallel(2, 3) as run:
            workers = set(run(os.getpid, [(), (), ()]))
            list(run(int, [("1",), ("x",), ("3",)]))
    assert workers and os.getpid() not in workers
    assert not any(alive(pid) for pid in workers)
