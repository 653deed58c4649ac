"""Remote kernels this site started, remembered in browser storage, so that after a reload the
explorer can list them as detached (nothing runs on the user's server unseen). Pure logic over
the boundary's storage; the token is stored on its own (token_key), never in this record."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, replace

from ..._compat import compat
from .address import ServerAddress

KERNELS_KEY = "inkrider-remote-kernels"
TOKEN_PREFIX = "inkrider-remote-token:"


def token_key(base_url: str) -> str:
    return f"{TOKEN_PREFIX}{base_url}"


def load_token(base_url: str) -> str:
    return compat.storage_get(token_key(base_url)) or ""


def token_for(address: ServerAddress) -> str:
    """The token for a server: the one this browser keeps for it, else one pasted in its URL."""
    return load_token(address.base_url) or address.token_in_url


def save_token(base_url: str, token: str) -> None:
    if token:
        compat.storage_set(token_key(base_url), token)
    else:
        compat.storage_remove(token_key(base_url))


@dataclass(frozen=True)
class KernelRecord:
    id: str
    name: str
    base_url: str
    started_at: float
    path: str = ""
    #: The page (tab) that holds the kernel's relay; its Web Lock lives as long as it does.
    tab: str = ""


def load() -> list[KernelRecord]:
    try:
        raw = json.loads(compat.storage_get(KERNELS_KEY) or "[]")
    except ValueError:
        return []
    records = []
    for item in raw if isinstance(raw, list) else []:
        try:
            records.append(KernelRecord(**item))
        except TypeError:
            continue
    return records


def _save(records: list[KernelRecord]) -> None:
    compat.storage_set(KERNELS_KEY, json.dumps([asdict(r) for r in records]))


def remember(record: KernelRecord) -> None:
    _save([r for r in load() if r.id != record.id] + [record])


def follow_paths(paths: dict[str, str]) -> None:
    """Kernel id → its notebook's path now: records of renamed or moved notebooks follow, so
    that a Reconnect after a reload opens the notebook where it is."""
    records = load()
    moved = [
        replace(r, path=paths[r.id]) if paths.get(r.id, r.path) != r.path else r for r in records
    ]
    if moved != records:
        _save(moved)


def forget(kernel_id: str) -> None:
    _save([r for r in load() if r.id != kernel_id])


def detached(
    records: Iterable[KernelRecord], live_tabs: Collection[str] | None, this_tab: str
) -> list[KernelRecord]:
    """The kernels no open page relays: those of pages that have gone (a reload, a closed tab,
    a crash). `live_tabs` is None where the browser cannot say which pages live (no Web Locks):
    then every other page's kernel is listed, as listing one too many beats hiding one."""
    return [
        r for r in records if r.tab != this_tab and (live_tabs is None or r.tab not in live_tabs)
    ]


def for_notebook(records: Iterable[KernelRecord], base_url: str, path: str) -> list[KernelRecord]:
    """The kernels started for the notebook at `path` on the server at `base_url`."""
    return [r for r in records if r.path == path and r.base_url == base_url]


def reclaimable(
    records: Iterable[KernelRecord],
    live_tabs: Collection[str] | None,
    this_tab: str,
    base_url: str,
    path: str,
    name: str,
) -> KernelRecord | None:
    """The kernel a notebook's first run in this page should take back rather than start a
    new one: the newest that a page now gone (a reload, most often) started for the same
    notebook, on the same server, with the same kernelspec (`name`; empty: the server's default,
    whichever it was). None where the browser cannot say
    which pages live: the kernel might be another open tab's."""
    if live_tabs is None or not path:
        return None
    mine = [
        r
        for r in for_notebook(detached(records, live_tabs, this_tab), base_url, path)
        if r.name == name or not name
    ]
    return max(mine, key=lambda r: r.started_at, default=None)
