"""Remote kernels this site started, remembered in browser storage, so that after a reload the
explorer can list them as detached (nothing runs on the user's server unseen). Pure logic over
the boundary's storage; the token is stored on its own (token_key), never in this record."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from ..._compat import compat

KERNELS_KEY = "inkrider-remote-kernels"
TOKEN_PREFIX = "inkrider-remote-token:"


def token_key(base_url: str) -> str:
    return f"{TOKEN_PREFIX}{base_url}"


def load_token(base_url: str) -> str:
    return compat.storage_get(token_key(base_url)) or ""


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


def forget(kernel_id: str) -> None:
    _save([r for r in load() if r.id != kernel_id])
