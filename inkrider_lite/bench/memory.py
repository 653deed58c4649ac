"""Memory and CPU of one Chromium process tree, read from /proc.

Playwright does not expose the browser's pid, and other Chromium instances may run on the same
machine (other people's tests). The tree is therefore found through the unique
`--user-data-dir` each run passes, then extended to every descendant: renderers and utility
processes do not all repeat that flag on their command line.
"""

from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
# Chromium rewrites its children's titles, so their /proc cmdline is one space-separated string
# rather than NUL-separated arguments: match flags with either separator.
_TYPE = re.compile(r"(?:^|[\s\0])--type=([\w-]+)")


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    cmdline: str

    @property
    def kind(self) -> str:
        """Chromium's own process type (`renderer`, `gpu-process`, ...); `browser` for the root."""
        match = _TYPE.search(self.cmdline)
        return match.group(1) if match else "browser"


def processes() -> dict[int, Process]:
    found: dict[int, Process] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # processes come and go while we walk
        # The command name may contain spaces and parentheses: fields start after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found[int(entry.name)] = Process(int(entry.name), ppid, cmdline)
    return found


def browser_tree(user_data_dir: str) -> list[Process]:
    """Every process of the browser launched with `user_data_dir`, and all their descendants."""
    processes_now = processes()
    marker = re.compile(rf"(?:^|[\s\0])--user-data-dir={re.escape(user_data_dir)}(?:$|[\s\0])")
    children: dict[int, list[int]] = defaultdict(list)
    for proc in processes_now.values():
        children[proc.ppid].append(proc.pid)
    pending = [p.pid for p in processes_now.values() if marker.search(p.cmdline)]
    tree: dict[int, Process] = {}
    while pending:
        pid = pending.pop()
        if pid in tree or pid not in processes_now:
            continue
        tree[pid] = processes_now[pid]
        pending.extend(children[pid])
    return sorted(tree.values(), key=lambda p: p.pid)


def rollup_kib(pid: int) -> dict[str, int] | None:
    """The kB fields of /proc/<pid>/smaps_rollup (Pss, Private_Clean, ...), or None if gone."""
    try:
        text = (PROC / str(pid) / "smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields: dict[str, int] = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            fields[name] = int(rest.split()[0])
    return fields


@dataclass(frozen=True)
class MemoryReading:
    """One browser's memory at one moment.

    PSS splits each shared page between the processes that map it, so the sum over the tree
    counts the tree's own sharing right. But other Chromium instances on the machine map the
    same binary and libraries and take their share too, so PSS drifts with them. USS (private
    pages only) does not, and shows the same difference between the sites more steadily.
    """

    pss_mib: float
    uss_mib: float
    pss_by_kind: dict[str, float]
    processes: int
    other_chromium_processes: int


def read_memory(user_data_dir: str) -> MemoryReading:
    by_kind: dict[str, float] = defaultdict(float)
    uss = 0.0
    tree = browser_tree(user_data_dir)
    for proc in tree:
        fields = rollup_kib(proc.pid)
        if fields is None:
            continue
        by_kind[proc.kind] += fields.get("Pss", 0) / 1024
        uss += (fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)) / 1024
    ours = {p.pid for p in tree}
    others = sum(1 for p in processes().values() if is_chromium(p) and p.pid not in ours)
    return MemoryReading(sum(by_kind.values()), uss, dict(by_kind), len(tree), others)


def is_chromium(proc: Process) -> bool:
    return re.split(r"[\s\0]", proc.cmdline, maxsplit=1)[0].endswith("/chromium")


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(
    user_data_dir: str, *, since: float, at_least: float, at_most: float, cores: float = 0.15
) -> tuple[float, bool]:
    """Wait until the browser uses under `cores` of CPU for two seconds in a row.

    Returns (seconds after `since` when it was quiet, whether it got quiet before `at_most`).
    Used to take a "steady" memory reading after background work, such as a worker that
    boots in the background, has finished.
    """
    while time.monotonic() - since < at_least:
        time.sleep(0.2)
    quiet_windows = 0
    while True:
        pids = [p.pid for p in browser_tree(user_data_dir)]
        before, start = _cpu_seconds(pids), time.monotonic()
        time.sleep(1.0)
        used = (_cpu_seconds(pids) - before) / (time.monotonic() - start)
        quiet_windows = quiet_windows + 1 if used < cores else 0
        elapsed = time.monotonic() - since
        if quiet_windows >= 2:
            return elapsed, True
        if elapsed >= at_most:
            return elapsed, False
