"""Real Jupyter servers for the tests: started on a free loopback port, stopped at the end.

Each runs from this checkout's own venv, as the user would run it from theirs: a real process
answering real HTTP and WebSocket requests, never a mock.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JupyterServer:
    """`jupyter server --no-browser` with a token, as the user manual starts it (plus
    `--allow-root`, which it needs as root, and a port and folder of its own)."""

    def __init__(self, base_path: str = "/", extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base_path = base_path
        self.root = Path(tempfile.mkdtemp(prefix="inkrider-server-"))
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.root / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    def start(self) -> JupyterServer:
        command = [
            str(BIN / "jupyter"),
            "server",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port-retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--ServerApp.base_url={self.base_path}",
            *self.extra,
        ]
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.root / "runtime")}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        url = f"{self.base_url}api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"jupyter server exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"jupyter server did not start:\n{self.log.read_text()[-3000:]}")

    def kernel_ids(self) -> list[str]:
        import json

        url = f"{self.base_url}api/kernels?token={self.token}"
        with urllib.request.urlopen(url, timeout=5) as response:
            return [k["id"] for k in json.loads(response.read())]

    def kill(self) -> None:
        """As a crash would end it: at once, with its kernels."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


class TcpProxy:
    """A loopback TCP relay in front of a server, whose connections a test can cut at once: a
    real network drop (HTTP and WebSocket alike) while the server itself stays up."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, *ends: socket.socket) -> None:
        for end in ends:
            with self._lock:
                self._open.discard(end)
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def drop(self) -> int:
        """Cut every connection open now (how many ends were cut); new ones are relayed."""
        with self._lock:
            ends = list(self._open)
        self._close(*ends)
        return len(ends)

    def stop(self) -> None:
        self._listener.close()
        self.drop()
