"""Ctrl-C while the main thread is inside C code that looks for signals rarely.

Python runs its SIGINT handler (raising ``KeyboardInterrupt``) only between bytecodes, so a long
DuckDB query notices Ctrl-C late (up to seconds). :func:`on_interrupt` also hears the signal at
once through ``signal.set_wakeup_fd`` on a helper thread and runs an action there (for review:
interrupt the DuckDB queries, which then end with an "interrupted" error at once).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def on_interrupt(action: Callable[[], None]) -> Iterator[None]:
    """Within the block, run ``action`` on a helper thread as soon as SIGINT arrives."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    try:
        previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except ValueError:  # not the main interpreter's main thread
        reader.close()
        writer.close()
        yield
        return

    def watch() -> None:
        while True:
            try:
                data = reader.recv(64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data:
                action()

    watcher = threading.Thread(target=watch, name="chatcontract-interrupt", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous)
        writer.close()  # the watcher's recv returns b"" and it ends
        watcher.join(timeout=1.0)
        reader.close()
