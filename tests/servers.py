"""Real kernels-API servers for the tests: started on a free loopback port, stopped at the end.

jupyter_server and Kernel Gateway run from this checkout's own venv, as the user would run them
from theirs. Enterprise Gateway (which pins jupyter_server 1.x) and jupyverse (FastAPI, its own
plugin set) run from venvs of their own, made on first use under build/cache/venvs/ and kept.
Each is a real process answering real HTTP and WebSocket requests, never a mock.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
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
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Self

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
VENVS = ROOT / "build" / "cache" / "venvs"

#: What each server's own venv holds; a change of these names a new venv.
ENTERPRISE_GATEWAY = ("jupyter_enterprise_gateway==3.3.0", "ipykernel>=6")
JUPYVERSE = ("jupyverse[auth]==0.14.18", "ipykernel>=6")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tool_venv(name: str, requirements: tuple[str, ...]) -> Path:
    """A venv holding `requirements`, made once and reused by later runs (and other workers)."""
    key = "\n".join((sys.version, *requirements)).encode()
    venv = VENVS / f"{name}-{hashlib.sha256(key).hexdigest()[:12]}"
    done = venv / ".installed"
    if done.exists():
        return venv
    VENVS.mkdir(parents=True, exist_ok=True)
    with (VENVS / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        quiet = ["--quiet", "--disable-pip-version-check"]
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", *quiet]
        subprocess.run([*pip, "--upgrade", "pip"], check=True, capture_output=True)
        installed = subprocess.run([*pip, *requirements], capture_output=True, text=True)
        if installed.returncode != 0:
            raise RuntimeError(f"pip install {' '.join(requirements)} failed:\n{installed.stderr}")
        done.touch()
    return venv


class ServerProcess:
    """One server on 127.0.0.1, a free port and a folder of its own, with a fresh token."""

    #: What the start-up error says.
    label = "server"

    def __init__(self) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base_path = "/"
        self.root = Path(tempfile.mkdtemp(prefix=f"inkrider-{self.label.replace(' ', '-')}-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.root / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.root / "runtime")}

    def ready_url(self) -> str:
        """A URL that answers 200 once the server takes requests."""
        return f"{self.base_url}api/kernelspecs?token={self.token}"

    def start(self, timeout: float = 60) -> Self:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                cwd=self.root,
                start_new_session=True,
            )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.label} exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.ready_url(), timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.label} did not start:\n{self.log.read_text()[-3000:]}")

    def has_kernel(self, kernel_id: str) -> bool:
        """Whether the server still has the kernel (jupyverse answers `null` for none)."""
        query = f"?token={self.token}" if self.token else ""
        try:
            with urllib.request.urlopen(
                f"{self.base_url}api/kernels/{kernel_id}{query}", timeout=5
            ) as response:
                return json.loads(response.read()) is not None
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return False
            raise

    def kill(self) -> None:
        """As a crash would end it: at once, with its kernels."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def freeze(self, frozen: bool = True) -> None:
        """Stop the server and its kernels without ending them (as a machine that sleeps, or a
        network that goes, looks from the page: open sockets, no answers); False resumes."""
        if self.process is not None and self.process.poll() is None:
            for group in self._process_groups():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGSTOP if frozen else signal.SIGCONT)

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """The server's own process stopped (`kill -STOP`, as a user would try it), its kernels
        running on; resumed on leaving, whatever happened meanwhile."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)

    def _process_groups(self) -> list[int]:
        """The server's process group, then its kernels': jupyter_client starts each kernel in
        a session of its own."""
        assert self.process is not None
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        groups, pending = [self.process.pid], [self.process.pid]
        while pending:
            for child in children.get(pending.pop(), []):
                pending.append(child)
                with contextlib.suppress(ProcessLookupError):
                    group = os.getpgid(child)
                    if group not in groups:
                        groups.append(group)
        return groups

    def stop(self) -> None:
        self.freeze(False)  # a stopped process would not hear SIGTERM
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
        self._refusing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if self._refusing:
                client.close()
                continue
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

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """The network gone for a while: every connection cut, and new ones closed at once."""
        self._refusing = True
        self.drop()
        try:
            yield
        finally:
            self._refusing = False

    def stop(self) -> None:
        self._listener.close()
        self.drop()


class JupyterServer(ServerProcess):
    """`jupyter server --no-browser` with a token, as the user manual starts it (plus
    `--allow-root`, which it needs as root, and a port and folder of its own)."""

    label = "jupyter server"

    def __init__(self, base_path: str = "/", extra: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.base_path = base_path
        self.extra = extra

    def command(self) -> list[str]:
        return [
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

    def ready_url(self) -> str:
        return f"{self.base_url}api/status?token={self.token}"

    def kernels(self) -> list[dict]:
        """The server's kernel models, as its REST API gives them."""
        url = f"{self.base_url}api/kernels?token={self.token}"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())

    def kernel_ids(self) -> list[str]:
        return [k["id"] for k in self.kernels()]

    def kernels_gone(self, ids: set[str], timeout: float = 5.0) -> bool:
        """Whether none of `ids` is still on the server, waiting up to `timeout` seconds (a
        shutdown the page asked for takes a moment)."""
        deadline = time.monotonic() + timeout
        while ids & set(self.kernel_ids()):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True


class KernelGateway(ServerProcess):
    """Jupyter Kernel Gateway 3.x (`jupyter kernelgateway`, on jupyter_server 2.x), from this
    venv. The page's DELETE is preflighted, and Kernel Gateway allows no method cross-origin
    until told: `allow_methods` is part of what the user guide says to start it with."""

    label = "kernel gateway"

    def __init__(self, origin: str) -> None:
        super().__init__()
        self.origin = origin

    def command(self) -> list[str]:
        return [
            str(BIN / "jupyter"),
            "kernelgateway",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port_retries=0",
            f"--KernelGatewayApp.auth_token={self.token}",
            f"--KernelGatewayApp.allow_origin={self.origin}",
            "--KernelGatewayApp.allow_methods=GET,POST,DELETE",
        ]


class EnterpriseGateway(ServerProcess):
    """Jupyter Enterprise Gateway 3.3 (on jupyter_server 1.24), from a venv of its own. Its
    kernels run through the default local process proxy, in that venv's Python."""

    label = "enterprise gateway"

    def __init__(self, origin: str) -> None:
        super().__init__()
        self.origin = origin
        self.venv = tool_venv("enterprise-gateway", ENTERPRISE_GATEWAY)

    def command(self) -> list[str]:
        return [
            str(self.venv / "bin" / "jupyter"),
            "enterprisegateway",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port_retries=0",
            f"--EnterpriseGatewayApp.auth_token={self.token}",
            f"--EnterpriseGatewayApp.allow_origin={self.origin}",
            "--EnterpriseGatewayApp.allow_methods=GET,POST,DELETE",
        ]


class Jupyverse(ServerProcess):
    """jupyverse with fps-auth, in one of its modes: `token` (the default: the token works on
    HTTP calls only, the channels WebSocket wants a cookie) or `noauth`. Without a frontend
    plugin installed, its lab and page_config modules cannot start and are disabled."""

    label = "jupyverse"

    def __init__(self, origin: str, mode: str = "noauth") -> None:
        super().__init__()
        self.origin = origin
        self.mode = mode
        self.venv = tool_venv("jupyverse", JUPYVERSE)
        if mode == "noauth":
            self.token = ""

    def command(self) -> list[str]:
        auth = [f"--set=auth.mode={self.mode}", f"--set=auth.directory={self.root / 'auth'}"]
        if self.token:
            auth.append(f"--set=auth.token={self.token}")
        return [
            str(self.venv / "bin" / "jupyverse"),
            "--host=127.0.0.1",
            f"--port={self.port}",
            f"--allow-origin={self.origin}",
            "--disable=lab",
            "--disable=page_config",
            "--disable=terminals",
            # Each module has 1 s to get ready by default: too short for auth on a busy machine.
            "--timeout=30",
            *auth,
        ]

    def environment(self) -> dict[str, str]:
        # Its kernelspec runs `python`: the one of the venv it was installed in, as when the
        # user starts it with that venv activated.
        path = f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        return {**super().environment(), "PATH": path, "VIRTUAL_ENV": str(self.venv)}

    def ready_url(self) -> str:
        query = f"?token={self.token}" if self.token else ""
        return f"{self.base_url}api/kernelspecs{query}"
