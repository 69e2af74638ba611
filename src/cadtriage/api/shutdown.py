"""Ending live streams the moment the worker is told to stop.

uvicorn waits for open responses to finish before it runs the app's shutdown, and an event stream never finishes
by itself: without this, a worker with a console connected sat out the whole graceful-shutdown timeout, then
cancelled the stream with a traceback. uvicorn installs its signal handlers before the app starts; the app
chains one step in front of them: end every stream (on the event loop), then let uvicorn carry on as before.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

Handler = Callable[[int, FrameType | None], Any]


def before_shutdown_signals(loop: asyncio.AbstractEventLoop, step: Callable[[], None]) -> None:
    """Run `step` on `loop` when SIGINT or SIGTERM arrives, then the handler already installed (uvicorn's).

    Only in the main thread, and only in front of a handler someone installed: in tests, or under a server that
    handles no signals, nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        installed = signal.getsignal(sig)
        if callable(installed) and installed is not signal.default_int_handler:
            signal.signal(sig, _chained(loop, step, installed))


def _chained(loop: asyncio.AbstractEventLoop, step: Callable[[], None], installed: Handler) -> Handler:
    def handler(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(step)
        installed(signum, frame)

    return handler
