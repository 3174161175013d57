"""Bounded work for one request: a child process with a time limit and a memory ceiling, a few at a time.

A visitor's long work (an uploaded track, a report figure) runs in a process forked from the server, so it starts
with the server's loaded layers and engine and costs no start-up. The child sets its own address-space ceiling
(the server's size at the fork plus the work's budget); the server waits at most the work's seconds, then kills
it. Whatever the input does there (runs for minutes, allocates gigabytes, or crashes inside a C library) ends in
that child: the server and the other sessions go on, and the visitor gets a one-line message and keeps the page.
At most :data:`JOBS` children run at once, one per core; a request that finds them all busy waits for a slot
within its own time limit.

Only the result crosses back (pickled through a pipe): the work's return value, or the :class:`~geo.messages.Message`
of a :class:`~geo.errors.GeoError` it raised, which the server raises again as a :class:`GeoError`.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TypeVar, cast

from geo.errors import GeoError
from geo.i18n import N_
from geo.messages import Message
from geoapp.ui import LOG

T = TypeVar("T")

JOBS = max(1, os.cpu_count() or 1)
"""Children that may run at once (the whole server, every session)."""
SLOTS = threading.BoundedSemaphore(JOBS)
"""Taken for the whole of each child's run."""


@dataclass(frozen=True)
class Budget:
    """What one kind of work may take.

    Attributes
    ----------
    seconds
        Wall-clock limit, waiting for a free slot included.
    memory_mb
        Address space the child may add to the server's size at the fork.
    what
        The work, as the visitor's messages name it (a template marked for translation).
    """

    seconds: float
    memory_mb: int
    what: str


TRACK = Budget(30.0, 1200, N_("Measuring the track"))
"""An uploaded track: 10⁶ vertices measure in about 8 s and 700 MB (``geo bench``)."""
FIGURE = Budget(60.0, 1000, N_("Drawing the figure"))
"""A report figure (PNG and PDF) of the view."""


class Overrun(GeoError):
    """The work went past its budget (time or memory), crashed, or found no free slot; the server is intact."""


def run(budget: Budget, work: Callable[..., T], *args: object) -> T:
    """Run ``work(*args)`` in a child process within ``budget`` and return its result.

    Raises
    ------
    GeoError
        The work's own error (its message), or :class:`Overrun`: too long, too much memory, a crash, or every
        slot busy for the whole time limit.
    """
    if not SLOTS.acquire(timeout=budget.seconds):
        raise Overrun(Message.of(N_("{what} has to wait: the server is busy with other visitors' work. Try again in a "
                                    "moment."), what=Message.of(budget.what)))
    try:
        return _in_child(budget, work, args)
    finally:
        SLOTS.release()


def _in_child(budget: Budget, work: Callable[..., T], args: tuple[object, ...]) -> T:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, budget.memory_mb, work, args), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(budget.seconds):
            raise Overrun(Message.of(N_("{what} took longer than {seconds} s and was stopped; try a smaller file or "
                                        "view."), what=Message.of(budget.what), seconds=round(budget.seconds)))
        try:
            done, value = receive.recv()
        except EOFError:  # the child died before answering: the memory ceiling, or a crash in a C library
            raise Overrun(Message.of(N_("{what} needed more than {mb} MB of memory or failed, and was stopped; try a "
                                        "smaller file or view."), what=Message.of(budget.what),
                                     mb=budget.memory_mb)) from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if done:
        return cast(T, value)
    raise GeoError(value)


def _child(send: Connection, memory_mb: int, work: Callable[..., object], args: tuple[object, ...]) -> None:
    """In the child: set the memory ceiling, run the work, send ``(True, result)`` or ``(False, message)``."""
    _limit_memory(memory_mb)
    try:
        answer: tuple[bool, object] = (True, work(*args))
    except GeoError as exc:
        answer = (False, exc.message)
    except MemoryError:
        answer = (False, Message.of(N_("The work needed more than {mb} MB of memory and was stopped."), mb=memory_mb))
    except Exception:  # a bug, not the input: logged by the child (the server's log), one line to the visitor
        LOG.exception("guarded work failed")
        answer = (False, Message.of(N_("The work failed (internal error); it is logged.")))
    send.send(answer)
    send.close()


def _limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at its present size plus ``memory_mb`` (Linux; elsewhere no cap)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return
    ceiling = size + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
