"""Settings → Runtime…: where new sessions start, and the Jupyter Server to start them on.

A Lumino widget in the main area whose DOM this module builds. Every control has an accessible
name (its <label>), and everything that comes from a server or from the user goes into the page
as text. The token goes to browser storage only (runtimes/remote/kernels_store.py), never to the
settings, which the Settings Editor shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._compat import compat
from ..runtimes.remote import kernels_store
from ..runtimes.remote.address import AddressError, ServerAddress, parse_base_url
from ..runtimes.remote.connection_check import check_connection
from ..runtimes.remote.diagnosis import Diagnosis
from .dom import child, form_panel_rules, labelled_field, labelled_input

if TYPE_CHECKING:
    from ..runtimes.settings import Settings
    from .keepalive import ProxyKeeper, Spawn
    from .lab_handles import LabHandles
    from .site_urls import SiteUrls

FORM_ID = "inkrider-runtime-form"
OPEN_COMMAND = "inkrider:open-runtime-settings"
GUIDE_PATH = "inkrider/docs/external-jupyter-server.html"
LOCAL_LABEL = "JupyterLite (local)"
REMOTE_LABEL = "Jupyter Server (remote)"
PLAN_REASON = "Not available on this site: the remote runtime is a Professional plan feature."
DEFAULT_KERNEL = ""
#: Save tests what it saved; a failing test changes the "Saved." line, which read as all well
#: while runs were bound to fail (new-user pass, stop 25, defect 2), and until the verdict.
SAVED_TESTING = "Saved; testing the connection to {where}…"
SAVED_BUT_FAILING = (
    "Saved, but the connection test above failed: runs on {where} will fail until it passes. "
    "Correct the Base URL or Token and Save again, or choose {local}."
)
TOKEN_CONFLICT = (
    "The pasted address holds another token than the Token field: the Token field's is used."
)

CSS = (
    form_panel_rules(FORM_ID, 640)
    + f"""
#{FORM_ID} .inkrider-result {{ white-space: pre-wrap; overflow-wrap: anywhere; min-height: 1.5em; }}
#{FORM_ID} .inkrider-result[data-verdict="ok"] {{ color: var(--jp-success-color1); }}
#{FORM_ID} .inkrider-note {{ color: var(--jp-ui-font-color2); }}
"""
)


@dataclass(frozen=True)
class RuntimeFormDeps:
    lab: LabHandles
    proxies: ProxyKeeper
    urls: SiteUrls
    spawn: Spawn
    #: The plan gate: without the remote runtime the server's controls stay disabled.
    remote_enabled: bool
    #: The settings as they are when asked; the form shows them each time it opens.
    settings: Callable[[], Settings]
    #: Stores settings through JupyterLab's registry (see Controller.save_settings).
    save_settings: Callable[[dict[str, Any]], Awaitable[None]]
    #: The tokens a server (its base URL) answered for the open sessions on it.
    known_tokens: Callable[[str], list[str]] = lambda _base_url: []


class RuntimeForm:
    def __init__(self, deps: RuntimeFormDeps, widgets: Any) -> None:
        self._deps = deps
        widget = self.widget = widgets.Widget.new()
        widget.id = FORM_ID
        widget.title.label = "Runtime"
        widget.title.closable = True
        node = widget.node
        doc = self._doc = node.ownerDocument
        style = doc.createElement("style")
        style.textContent = CSS
        node.appendChild(style)
        form = child(doc, node, "form")
        form.setAttribute("aria-label", "Runtime")
        heading = child(doc, form, "h2")
        heading.textContent = "Runtime"
        intro = child(doc, form, "p", "inkrider-note")
        intro.textContent = (
            "Where new cell runs start a session. Switching never changes notebooks or cells: "
            "open sessions stay on their runtime until closed in the Session Explorer."
        )

        choice = child(doc, form, "fieldset")
        legend = child(doc, choice, "legend")
        legend.textContent = "Run new sessions on"
        self.local = _radio(doc, choice, "inkrider-runtime-local", LOCAL_LABEL, "local")
        self.remote = _radio(doc, choice, "inkrider-runtime-remote", REMOTE_LABEL, "remote")
        self.plan_note = child(doc, choice, "div", "inkrider-note")
        self.plan_note.textContent = PLAN_REASON
        self.plan_note.hidden = deps.remote_enabled
        self.remote.disabled = not deps.remote_enabled

        server = child(doc, form, "fieldset")
        child(doc, server, "legend").textContent = "Jupyter Server"
        self.base_url = _input(doc, server, "inkrider-base-url", "Base URL", "text")
        self.base_url.placeholder = "http://localhost:8888"
        self.token = _input(doc, server, "inkrider-token", "Token", "password")
        self.token.autocomplete = "off"
        actions = child(doc, server, "div", "inkrider-actions")
        self.test = _button(doc, actions, "Test connection")
        self.result = child(doc, server, "div", "inkrider-result")
        self.result.setAttribute("role", "status")
        self.result.setAttribute("aria-live", "polite")
        self.kernel = labelled_field(doc, server, "inkrider-kernel", "Kernel", "select")

        buttons = child(doc, form, "div", "inkrider-actions")
        self.save = _button(doc, buttons, "Save", "jp-mod-accept")
        self.forget = _button(doc, buttons, "Forget token", "jp-mod-warn")
        guide = child(doc, buttons, "a")
        guide.textContent = "External Jupyter Server guide"
        guide.href = f"{deps.urls.site_url}{GUIDE_PATH}"
        guide.target = "_blank"
        guide.rel = "noopener"
        self.saved = child(doc, form, "div", "inkrider-result inkrider-saved")
        self.saved.setAttribute("role", "status")

        proxies = [
            deps.proxies.create_proxy(lambda event: self._on_submit(event)),
            deps.proxies.create_proxy(lambda *_: self.start_test()),
            deps.proxies.create_proxy(lambda *_: deps.spawn(self.run_save())),
            deps.proxies.create_proxy(lambda *_: self.forget_token()),
            deps.proxies.create_proxy(lambda *_: self._on_edit()),
        ]
        form.addEventListener("submit", proxies[0])
        self.test.addEventListener("click", proxies[1])
        self.save.addEventListener("click", proxies[2])
        self.forget.addEventListener("click", proxies[3])
        self.base_url.addEventListener("input", proxies[4])
        self.token.addEventListener("input", proxies[4])
        # A site without the remote runtime (the plan gate) offers none of its controls; else
        # they stay usable whatever is selected, so a server can be tested before switching.
        for control in (self.base_url, self.token, self.test, self.kernel, self.forget):
            control.disabled = not deps.remote_enabled
        self.load()

    def _on_edit(self) -> None:
        """A verdict was about what the fields held then: it goes once they change."""
        if self.result.textContent != "Testing…":
            self.result.removeAttribute("data-verdict")
            self.result.textContent = ""
        self._sync_forget()

    def _typed_address(self) -> ServerAddress | None:
        """The server the Base URL field names, if it names one."""
        try:
            return parse_base_url(str(self.base_url.value))
        except AddressError:
            return None

    def _sync_forget(self) -> None:
        """Forget token only where this browser stores one for the Base URL in the field."""
        address = self._typed_address()
        stored = address is not None and bool(kernels_store.load_token(address.base_url))
        self.forget.disabled = not (self._deps.remote_enabled and stored)

    def _on_submit(self, event: Any) -> None:
        event.preventDefault()  # Enter in a field must not reload the page

    def load(self) -> None:
        """Fill the form from the settings and the stored token."""
        settings = self._deps.settings()
        remote = settings.runtime == "remote" and self._deps.remote_enabled
        self.remote.checked = remote
        self.local.checked = not remote
        self.base_url.value = settings.remote_base_url
        self.token.value = ""
        address = self._typed_address()
        if address is not None:
            self.token.value = kernels_store.load_token(address.base_url)
        self._set_kernels([], settings.remote_kernel)
        self._sync_forget()
        # Verdicts from an earlier opening are about the server as it was then (a frozen one's
        # stayed after it was healthy again).
        self._clear_result()
        self.saved.textContent = ""

    def _set_kernels(self, names: list[tuple[str, str]], selected: str) -> None:
        self.kernel.replaceChildren()
        options = [(DEFAULT_KERNEL, "Server default"), *names]
        if selected and selected not in [n for n, _ in options]:
            options.append((selected, selected))
        for name, label in options:
            option = self._doc.createElement("option")
            option.value = name
            option.textContent = label
            option.selected = name == selected
            self.kernel.appendChild(option)

    def start_test(self, saved_to: str = "", saved_text: str = "") -> None:
        """At once, so that no earlier verdict can be read as this one's. `saved_to`: the
        server just saved, which a failing test says runs will fail on; `saved_text`: the
        line under Save once the test passes."""
        self.test.disabled = True
        self._clear_result()
        self.result.textContent = "Testing…"
        self._deps.spawn(self.run_test(saved_to, saved_text))

    def _clear_result(self) -> None:
        self.result.removeAttribute("data-verdict")
        self.result.textContent = ""

    async def run_test(self, saved_to: str = "", saved_text: str = "") -> None:
        conflict = self._take_pasted_token()
        self._tidy_base_url()
        try:
            address = self._typed_address()
            known = self._deps.known_tokens(address.base_url) if address is not None else []
            diagnosis = await check_connection(
                str(self.base_url.value),
                str(self.token.value),
                self._deps.urls.site_url,
                known_tokens=known,
            )
        finally:
            self.test.disabled = False
        self._show(diagnosis, conflict)
        if saved_to and not diagnosis.ok:
            self.saved.textContent = SAVED_BUT_FAILING.format(where=saved_to, local=LOCAL_LABEL)
        elif saved_to:
            self.saved.textContent = saved_text

    def _tidy_base_url(self) -> None:
        """The field shows the address as it is used: spaces and a pasted page's tail (`/lab`,
        `/tree/x.ipynb`) gone. A field left as typed read as if the tail mattered."""
        address = self._typed_address()
        if address is not None:
            self.base_url.value = address.base_url.rstrip("/")

    def _take_pasted_token(self) -> str:
        """A pasted address's token moves to the Token field, which hides it, and leaves the
        Base URL field. The Token field's own token wins: the note says so."""
        try:
            address = parse_base_url(str(self.base_url.value))
        except AddressError:
            return ""  # the verdict says what is wrong with it
        pasted = address.token_in_url
        if not pasted:
            return ""
        self.base_url.value = address.base_url.rstrip("/")
        typed = str(self.token.value).strip()
        if not typed:
            self.token.value = pasted
            return ""
        return "" if typed == pasted else TOKEN_CONFLICT

    def _show(self, diagnosis: Diagnosis, note: str = "") -> None:
        self.result.setAttribute("data-verdict", str(diagnosis.verdict))
        self.result.textContent = "\n".join(filter(None, [note, diagnosis.text()]))
        if not diagnosis.ok:
            return
        chosen = str(self.kernel.value)
        names = [(k.name, f"{k.display_name} ({k.name})") for k in diagnosis.kernelspecs]
        self._set_kernels(names, chosen if chosen in [n for n, _ in names] else "")
        default = self.kernel.querySelector("option[value='']")
        if not compat.is_null(default):
            default.textContent = f"Server default ({diagnosis.default_kernel})"

    async def run_save(self) -> None:
        """Save the choice; it takes effect for the next binding."""
        runtime = "remote" if self.remote.checked else "local"
        base_text = str(self.base_url.value).strip()
        token = str(self.token.value).strip()
        kept = ""
        if runtime == "remote":
            try:
                address = parse_base_url(base_text)
            except AddressError as error:
                self.saved.textContent = f"Not saved: {error}"
                return
            self._take_pasted_token()
            token = token or address.token_in_url
            kernels_store.save_token(address.base_url, token)
            base_text = address.base_url.rstrip("/")
            self.base_url.value = base_text
        elif (address := self._typed_address()) is not None and (token or address.token_in_url):
            # A server set up now, to switch to later: its token is kept with its address (it
            # was dropped without a word, and the form came back without it).
            self._take_pasted_token()
            kernels_store.save_token(address.base_url, token or address.token_in_url)
            base_text = address.base_url.rstrip("/")
            self.base_url.value = base_text
            kept = f" The server's address and token are kept for when you choose {REMOTE_LABEL}."
        await self._deps.save_settings(
            {"runtime": runtime, "remoteBaseUrl": base_text, "remoteKernel": str(self.kernel.value)}
        )
        where = "in this browser (JupyterLite)" if runtime == "local" else f"on {base_text}"
        text = f"Saved. New sessions start {where}; open sessions stay where they are.{kept}"
        self._sync_forget()
        if runtime == "remote":
            # A wrong token or a stopped server shows now, not at the next run; until the
            # verdict, "Saved." alone read as all well for the 5 s a stopped server takes
            # (new-user pass, stop 28, D3).
            self.saved.textContent = SAVED_TESTING.format(where=base_text)
            self.start_test(saved_to=base_text, saved_text=text)
        else:
            self.saved.textContent = text

    def forget_token(self) -> None:
        address = self._typed_address()
        if address is not None:
            kernels_store.save_token(address.base_url, "")
        self.token.value = ""
        self._clear_result()  # a verdict on the forgotten token no longer holds
        self.saved.textContent = "Token forgotten: it is no longer stored in this browser."
        self._sync_forget()


#: The form and the Lumino widgets module of each RuntimeFormDeps (one per controller), by its id.
_forms: dict[int, RuntimeForm] = {}
_widgets: dict[int, Any] = {}


def install(deps: RuntimeFormDeps, widgets: Any) -> None:
    """The command, in the Settings menu and the palette; the form is made on first open."""
    lab = deps.lab
    _widgets[id(deps)] = widgets
    execute = deps.proxies.create_proxy(lambda *_: show(deps))
    lab.app.commands.addCommand(
        OPEN_COMMAND,
        compat.to_js(
            {
                "label": "Runtime…",
                "caption": "Where new sessions run: JupyterLite (local) or your Jupyter Server",
                "execute": execute,
            }
        ),
    )
    if lab.palette is not None:
        lab.palette.addItem(compat.to_js({"command": OPEN_COMMAND, "category": "InkRider"}))
    if lab.main_menu is not None:
        try:
            lab.main_menu.settingsMenu.addGroup(compat.to_js([{"command": OPEN_COMMAND}]), 0)
        except Exception as error:  # the palette and the status item still open it
            compat.log_error("could not add Runtime… to the Settings menu", error)


def show(deps: RuntimeFormDeps) -> None:
    form = _forms.get(id(deps))
    widgets = _widgets.get(id(deps))
    if form is None or form.widget.isDisposed:
        if widgets is None:
            return
        form = _forms[id(deps)] = RuntimeForm(deps, widgets)
    else:
        form.load()
    deps.lab.show_panel(form.widget, FORM_ID)


# -- building nodes, as text only ------------------------------------------------------------


def _radio(doc: Any, parent: Any, element_id: str, label: str, value: str) -> Any:
    radio = labelled_input(doc, parent, "radio", element_id, label, "inkrider-runtime")
    radio.value = value
    return radio


def _input(doc: Any, parent: Any, element_id: str, label: str, kind: str) -> Any:
    control = labelled_field(doc, parent, element_id, label, "input")
    control.type = kind
    control.spellcheck = False
    return control


def _button(doc: Any, parent: Any, text: str, mod: str = "") -> Any:
    button = child(doc, parent, "button", f"jp-Button jp-mod-styled {mod}".strip())
    button.type = "button"
    button.textContent = text
    return button
