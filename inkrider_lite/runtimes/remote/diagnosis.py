"""Test connection's verdict: what an HTTP outcome means, in words a person can act on.

Pure logic. The probe (runtimes/remote/connection_check.py) makes the requests; this module only
reads what they gave. A browser hides why a cross-origin request failed: a wrong token, a closed
port and a refused origin all read as "Failed to fetch". Where it hides the cause, the verdict
says so and lists the causes in the order to check them, each with its fix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from ...protocol.server_api import Answer
from .address import ServerAddress


class Verdict(StrEnum):
    OK = "ok"
    MALFORMED_URL = "malformed-url"
    MIXED_CONTENT = "mixed-content"
    UNREACHABLE = "unreachable"
    NO_ANSWER = "no-answer"
    WRONG_TOKEN = "wrong-token"
    NOT_JUPYTER = "not-jupyter"
    CORS_REFUSED = "cors-refused"
    HIDDEN = "hidden"
    SERVER_ERROR = "server-error"


@dataclass(frozen=True)
class KernelSpec:
    name: str
    display_name: str
    language: str = ""


@dataclass(frozen=True)
class Diagnosis:
    verdict: Verdict
    #: One line, e.g. "Connected to Jupyter Server 2.21.1 in 12 ms."
    summary: str
    #: What to check, in order, each with its fix.
    steps: tuple[str, ...] = ()
    version: str = ""
    kernelspecs: tuple[KernelSpec, ...] = ()
    default_kernel: str = ""
    round_trip_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK

    def text(self) -> str:
        """The whole verdict as plain text: the summary, then one numbered line per step."""
        lines = [self.summary]
        lines += [f"{n}. {step}" for n, step in enumerate(self.steps, 1)]
        return "\n".join(lines)


def site_origin(site_url: str) -> str:
    parts = urlsplit(site_url)
    return f"{parts.scheme}://{parts.netloc}"


def start_command(site_url: str) -> str:
    return f"jupyter server --no-browser --ServerApp.allow_origin='{site_origin(site_url)}'"


def gateway_step(site_url: str) -> str:
    """The same checks for the gateways, whose options have other names."""
    origin = site_origin(site_url)
    return (
        "A Kernel Gateway or Enterprise Gateway? Its Token is the `auth_token` it was started "
        "with, and it needs this site's origin and methods allowed: "
        f"--KernelGatewayApp.allow_origin='{origin}' --KernelGatewayApp.allow_methods="
        "'GET,POST,DELETE' (EnterpriseGatewayApp for Enterprise Gateway). See the External "
        "Jupyter Server guide (Help menu)."
    )


def malformed(message: str) -> Diagnosis:
    return Diagnosis(Verdict.MALFORMED_URL, message)


def mixed(address: ServerAddress) -> Diagnosis:
    return Diagnosis(
        Verdict.MIXED_CONTENT,
        f"This site is served over https, and the browser blocks calls from it to the plain "
        f"http server at {address.display}.",
        (
            "Serve Jupyter over https (a certificate for its host), and use https:// in the "
            "Base URL;",
            "or run the server on this computer and use http://localhost:<port>, which "
            "browsers allow.",
        ),
    )


def running_steps(address: ServerAddress) -> str:
    return (
        f"Is the server running at {address.base_url}? In a terminal, `jupyter server list` "
        "shows the address of each running server. Start one with `jupyter server --no-browser` "
        "(add `--allow-root` as root)."
    )


TOKEN_STEP = (
    "Is the Token the one the server printed? `jupyter server list` shows it after `?token=`."
)


def classify(
    address: ServerAddress, site_url: str, specs: Answer, reachable: bool | None
) -> Diagnosis:
    """The verdict from the kernelspecs request (`GET api/kernelspecs?token=…`), the one call
    every kernels server answers. `reachable` is whether anything at all answered at the
    address (None: not asked)."""
    where = address.display
    if specs.timed_out:
        steps = (
            running_steps(address),
            "Is it busy or stopped in a debugger? Its terminal shows what it is doing.",
        )
        if address.base_url.startswith("https://"):
            # An https:// handshake with a plain-HTTP server hangs rather than fails.
            plain = "http://" + address.base_url.removeprefix("https://")
            steps = (
                f"Does the server use TLS? `jupyter server` started without a certificate "
                f"answers at http://, not https://: try {plain}",
                *steps,
            )
        return Diagnosis(
            Verdict.NO_ANSWER, f"The server at {where} did not answer within 5 seconds.", steps
        )
    if specs.network_error:
        if reachable is False:
            return Diagnosis(
                Verdict.UNREACHABLE,
                f"Nothing answered at {where}: no server is listening there, or the browser "
                "could not reach it.",
                (
                    running_steps(address),
                    "Is the port right? The server prints it: `http://127.0.0.1:8888/…`.",
                    "For a site on a public address, allow the browser's prompt to access "
                    "devices on your local network.",
                ),
            )
        return Diagnosis(
            Verdict.HIDDEN,
            f"The server at {where} did not let this page read its answer. The browser does "
            "not say why; check these, in this order:",
            (
                running_steps(address),
                TOKEN_STEP,
                "Is it a Jupyter server, at this base path? A JupyterHub server's Base URL ends "
                "with /user/<name>/.",
                "Does the server need this site's origin allowed? Start it with: "
                f"{start_command(site_url)}",
                gateway_step(site_url),
            ),
        )
    if specs.redirected or specs.status in (301, 302, 303, 307, 308):
        return Diagnosis(
            Verdict.WRONG_TOKEN,
            f"The server at {where} asked for a login: the token was not accepted.",
            (TOKEN_STEP,),
        )
    if specs.status in (401, 403):
        return Diagnosis(
            Verdict.WRONG_TOKEN,
            f"The server at {where} refused the token (HTTP {specs.status}).",
            (TOKEN_STEP,),
        )
    if specs.status == 404:
        return Diagnosis(
            Verdict.NOT_JUPYTER,
            f"{where} answered, but has no Jupyter kernels API (HTTP 404 for api/kernelspecs).",
            (
                "Is the Base URL the server's own? A JupyterHub server's ends with "
                "/user/<name>/; a server started with --ServerApp.base_url=/x/ needs /x/.",
            ),
        )
    if specs.status >= 500:
        return Diagnosis(
            Verdict.SERVER_ERROR,
            f"The server at {where} failed to answer (HTTP {specs.status}).",
            ("Its terminal shows the error.",),
        )
    body = specs.json() if specs.status == 200 else None
    if not isinstance(body, dict) or not isinstance(body.get("kernelspecs"), dict):
        return Diagnosis(
            Verdict.NOT_JUPYTER,
            f"{where} answered (HTTP {specs.status}), but not as a Jupyter server does.",
            (
                "Is the Base URL the Jupyter server's? Its startup output shows it: "
                "`http://127.0.0.1:8888/tree?token=…` means http://127.0.0.1:8888.",
            ),
        )
    return Diagnosis(
        Verdict.OK,
        "",
        kernelspecs=parse_kernelspecs(body),
        default_kernel=default_kernel(body),
        round_trip_ms=specs.seconds * 1000,
    )


EMPTY_TOKEN = (
    "The Token field is empty, and a Jupyter Server started as the guide says needs its token: "
    "paste what follows `?token=` in the address the server printed (`jupyter server list` "
    "shows it again). If the token is not the cause:"
)


def token_refused(address: ServerAddress, open_api: Answer) -> Diagnosis | None:
    """The verdict when the kernelspecs request was hidden but the server's open `GET api` (no
    token) answered, as jupyter_server's does to an allowed origin: the server runs, and refuses
    the token. A new user's wrong token read "Is the server running?" first (new-user pass,
    stop 27, D3). None when that request told nothing."""
    server, version = server_name(open_api)
    if not version:
        return None
    return Diagnosis(
        Verdict.WRONG_TOKEN,
        f"{server} runs at {address.display}, and refused the token.",
        (TOKEN_STEP,),
    )


def refused_beside_open_session(address: ServerAddress) -> Diagnosis:
    """The verdict when the kernelspecs request was hidden but the same request with the token
    an open session's kernel answers came back: the server runs, and refuses this token. A new
    user sent to Test connection by the "refuses the token saved" notice read "Is the server
    running?" and "start it with…", which would have ended the kernel (new-user pass, stop 28,
    D2)."""
    return Diagnosis(
        Verdict.WRONG_TOKEN,
        f"The server at {address.display} runs, and refused this token: it answers the token an "
        "open session on it uses. Do not start the server again (its kernels would end).",
        (TOKEN_STEP,),
    )


def with_empty_token(diagnosis: Diagnosis) -> Diagnosis:
    """A failure that a missing token explains says first that the token is missing. (A
    server started without a token connects with the field empty: no failure, no note.)"""
    if diagnosis.verdict not in (Verdict.HIDDEN, Verdict.WRONG_TOKEN):
        return diagnosis
    return replace(diagnosis, summary=f"{EMPTY_TOKEN} {diagnosis.summary}")


def with_version(diagnosis: Diagnosis, api: Answer) -> Diagnosis:
    """The OK verdict, completed with the version that `GET api` reports (if it does)."""
    server, version = server_name(api)
    # The kernelspecs it offers, not kernels running: "1 kernel" read as a count of those.
    specs = len(diagnosis.kernelspecs)
    kinds = "1 kind of kernel" if specs == 1 else f"{specs} kinds of kernel"
    rtt = diagnosis.round_trip_ms or 0.0
    summary = (
        f"Connected to {server}: it offers {kinds} ({diagnosis.default_kernel} by default), "
        f"{rtt:.0f} ms."
    )
    return Diagnosis(
        Verdict.OK,
        summary,
        version=version,
        kernelspecs=diagnosis.kernelspecs,
        default_kernel=diagnosis.default_kernel,
        round_trip_ms=diagnosis.round_trip_ms,
    )


def server_name(api: Answer) -> tuple[str, str]:
    """The server's name and version from `GET api`. jupyter_server and Kernel Gateway (which
    reports the jupyter_server it runs on) answer {"version"}; Enterprise Gateway adds its own
    "gateway_version"; jupyverse has no `GET api`."""
    body = api.json() if api.status == 200 else None
    if not isinstance(body, dict):
        return "a Jupyter kernels server", ""
    gateway = body.get("gateway_version")
    if isinstance(gateway, str) and gateway:
        return f"Jupyter Enterprise Gateway {gateway}", gateway
    version = body.get("version")
    if isinstance(version, str) and version:
        return f"Jupyter Server {version}", version
    return "a Jupyter kernels server", ""


def default_kernel(body: Any) -> str:
    """The kernelspec a server starts when none is named: its `default`, else the first."""
    if not isinstance(body, dict) or not isinstance(body.get("kernelspecs"), dict):
        return ""
    names = [k.name for k in parse_kernelspecs(body)]
    default = body.get("default")
    if isinstance(default, str) and (default in names or not names):
        return default
    return next(iter(names), "")


def parse_kernelspecs(body: dict[str, Any]) -> tuple[KernelSpec, ...]:
    specs = []
    for name, model in sorted((body.get("kernelspecs") or {}).items()):
        spec = (model or {}).get("spec") or {} if isinstance(model, dict) else {}
        specs.append(
            KernelSpec(
                name=str(name),
                display_name=str(spec.get("display_name") or name),
                language=str(spec.get("language") or ""),
            )
        )
    return tuple(specs)
