"""A TCP relay between the browser and the service that can drop every connection: a network blip, for real."""

from __future__ import annotations

import contextlib
import socket
import threading


class Relay:
    """Relays 127.0.0.1:`port` to the service's port. `cut()` drops every open connection and refuses new ones
    until `restore()`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.down = threading.Event()
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.open |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            self._drop(end)

    def _drop(self, end: socket.socket) -> None:
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)  # wakes the other pump blocked in recv
        end.close()
        with self.lock:
            self.open.discard(end)

    def cut(self) -> None:
        """Drop every connection, and refuse new ones."""
        self.down.set()
        with self.lock:
            ends = list(self.open)
        for end in ends:
            self._drop(end)

    def restore(self) -> None:
        """Relay new connections again."""
        self.down.clear()

    def close(self) -> None:
        """Stop relaying."""
        self.cut()
        self.listener.close()
