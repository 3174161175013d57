"""The app's per-request guard: work in a child process within a time limit and a memory ceiling, a few at once.

Whatever the work does (runs too long, allocates too much, crashes), this process (standing in for the server)
goes on and gets one line; the work's own errors come back with their message.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import shapely

from geo.errors import GeoError, UsageError
from geo.messages import Message
from geoapp import guard

QUICK = guard.Budget(5.0, 300, "Testing")


def test_the_work_runs_in_a_child_with_what_the_server_had_loaded() -> None:
    loaded = {"borders": np.arange(1000)}  # inherited by the fork, never pickled
    assert guard.run(QUICK, lambda: (os.getpid(), int(loaded["borders"].sum())))[1] == 499_500
    assert guard.run(QUICK, os.getpid) != os.getpid()


def test_the_works_own_error_comes_back_with_its_message() -> None:
    message = Message.of("unknown place {name}", name="'Xyz'")

    def refuse() -> None:
        raise UsageError(message)

    with pytest.raises(GeoError) as caught:
        guard.run(QUICK, refuse)
    assert caught.value.message == message


def test_work_past_its_time_is_stopped_and_named() -> None:
    start = time.monotonic()
    with pytest.raises(guard.Overrun, match=r"Slow work took longer than 1 s and was stopped"):
        guard.run(guard.Budget(1.0, 300, "Slow work"), time.sleep, 60)
    assert time.monotonic() - start < 10


def test_work_past_its_memory_is_stopped_and_named() -> None:
    with pytest.raises(GeoError, match=r"more than 200 MB of memory"):
        guard.run(guard.Budget(30.0, 200, "Greedy work"), lambda: bytearray(2_000_000_000))


def test_a_crash_in_the_work_leaves_the_server_running() -> None:
    with pytest.raises(guard.Overrun, match=r"Crashing work needed more than 300 MB of memory or failed"):
        guard.run(guard.Budget(10.0, 300, "Crashing work"), lambda: os.kill(os.getpid(), signal.SIGKILL))
    assert guard.run(QUICK, lambda: 42) == 42  # and the next request is served


def test_a_bug_in_the_work_is_one_line_not_a_traceback() -> None:
    with pytest.raises(GeoError, match=r"^The work failed \(internal error\); it is logged\.$"):
        guard.run(QUICK, lambda: 1 // 0)


def test_when_every_slot_is_busy_the_request_waits_then_says_so() -> None:
    taken = [guard.SLOTS.acquire(timeout=1) for _ in range(guard.JOBS)]
    try:
        assert all(taken)
        with pytest.raises(guard.Overrun, match=r"Waiting work has to wait: the server is busy"):
            guard.run(guard.Budget(0.3, 300, "Waiting work"), lambda: 1)
    finally:
        for _ in taken:
            guard.SLOTS.release()
    assert guard.run(QUICK, lambda: 2) == 2


def test_a_long_zigzag_track_is_lightened_for_the_map_without_crashing() -> None:
    # GEOS's recursive Douglas–Peucker overflowed the stack on a zigzag of 10⁵ vertices (a segfault: the whole
    # server went down). Run in a separate interpreter so that a crash fails this test, not the test run.
    code = """
import numpy as np, shapely
from geo.map.extras import TRACK_POINTS, track_shape
n = 199_999
line = np.column_stack([np.where(np.arange(n) % 2 == 0, 72.70, 72.85), np.linspace(40.4, 40.7, n)])
ring = np.vstack([line, [[72.6, 40.7], [72.6, 40.4], line[0]]])
for shape in (shapely.LineString(line), shapely.Polygon(ring), shapely.MultiLineString([line[:99_999], line[99_999:]])):
    light = track_shape(shape)
    assert light is not None and shapely.get_num_coordinates(light) <= TRACK_POINTS, shape.geom_type
    assert light.geom_type == shape.geom_type, light.geom_type
    assert np.allclose(light.bounds, shape.bounds, atol=0.01), light.bounds  # the swings are drawn, not aliased
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_lightened_track_keeps_its_ends_and_stays_near_the_line() -> None:
    rng = np.random.default_rng(3)
    walk = rng.normal(0, 0.001, (120_000, 2)).cumsum(axis=0) + [71.0, 40.5]
    from geo.map.extras import track_shape

    line = shapely.LineString(walk)
    light = track_shape(line)
    assert light is not None
    ends = shapely.get_coordinates(light)[[0, -1]]
    assert np.allclose(ends, walk[[0, -1]], atol=1e-4)
    sample = shapely.points(walk[::60])
    assert shapely.distance(sample, light).max() < 0.05  # degrees: a few km at most, at the scale it is drawn
