"""Worker processes that never outlive fazhi: an ordered parallel map for CV folds and sweep configurations.

joblib's loky workers are kept for reuse after the work and survive a killed parent
(each ~250 MB, holding the caller's stdout, so a script waiting on it hangs). These
workers are a multiprocessing pool of fazhi's own, started with "spawn" (a fresh
interpreter: no lock of the parent's threads copied in a fork), stopped when the
`with` block ends whatever the reason (an error, Ctrl-C, SIGTERM: fazhi.interrupts),
and on Linux told by the kernel to die with their parent (PR_SET_PDEATHSIG), so that
even SIGKILL of fazhi leaves none; elsewhere a thread in each worker notices within a
second that its parent is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_QUIET_TRACKER = "ignore:resource_tracker:UserWarning"
_STOPS = {signal.SIGINT, signal.SIGTERM}


def _die_with_parent(parent: int) -> None:
    """Initializer of every worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole terminal group: the parent decides
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)  # blocked while the parent started the pool
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _call(task: tuple[Callable[..., Any], tuple]) -> Any:
    func, args = task
    return func(*args)


@contextlib.contextmanager
def parallel(jobs: int, tasks: int) -> Iterator[Callable[[Callable[..., Any], Iterable[tuple]], Iterator[Any]]]:
    """`with parallel(jobs, n) as run: for result in run(func, args_list): …` — results in
    the order of the arguments; `func` must be importable (a module-level function).
    One process (no pool) when jobs or tasks are 1."""
    if jobs <= 1 or tasks <= 1:
        yield lambda func, arguments: (func(*args) for args in arguments)
        return
    import multiprocessing

    # multiprocessing's resource tracker (a helper process started with the pool's
    # locks) removes the locks of a pool whose parent was killed, and then warns about
    # "leaked semaphore objects" on the caller's terminal: the removal is what we want,
    # the warning is noise. It takes its warning filters from our -W options.
    if _QUIET_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(_QUIET_TRACKER)
    workers = min(jobs, tasks)
    # Ctrl-C or SIGTERM while the pool starts would leave a worker half-started (it
    # prints "EOFError: Ran out of input") and Pool() stops its workers only on an
    # Exception: the signals wait until the pool stands, then stop it in the block below.
    # Workers inherit the blocked mask and unblock SIGTERM in _die_with_parent.
    deferred = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        with _threads_per_worker(max(1, (os.cpu_count() or 1) // workers)):
            pool = multiprocessing.get_context("spawn").Pool(workers, initializer=_die_with_parent, initargs=(os.getpid(),))
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, deferred)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, deferred)  # a signal that came meanwhile is raised here
        yield lambda func, arguments: pool.imap(_call, ((func, tuple(args)) for args in arguments))
    finally:
        pool.terminate()  # now: an interrupted run does not wait for configurations still running
        pool.join()


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                     "NUMEXPR_NUM_THREADS")


@contextlib.contextmanager
def _threads_per_worker(n: int) -> Iterator[None]:
    """The environment workers start with: each numerical library uses `n` threads (as
    joblib's workers do), unless the user set it. Two workers each running as many BLAS
    threads as there are cores made a sweep on two cores three times slower."""
    unset = [name for name in _THREAD_VARIABLES if name not in os.environ]
    os.environ.update({name: str(n) for name in unset})
    try:
        yield
    finally:
        for name in unset:
            os.environ.pop(name, None)
