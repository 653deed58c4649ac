"""Where a batch's CPU goes: the browser's CPU, by thread, while the headless runner runs the
bench's six CPU-bound notebooks (issue 11). A diagnostic, not a bench: it prints the CPU each
Chromium thread used during the batch (the page's own timing of it), and how many cores were busy
every half second.

    .venv/bin/python scripts/probes/batch_cpu.py --parallel 3
    .venv/bin/python scripts/probes/batch_cpu.py --parallel 3 \
        --flags=--js-flags=--no-wasm-dynamic-tiering

The site must be built (scripts/test or scripts/serve build it). Only one Chromium should run.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inkrider_lite.bench.batch import write_notebooks  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
#: The runner, with extra Chromium flags from INKRIDER_PROBE_FLAGS.
RUNNER = (
    "import os, runpy, sys; import inkrider_lite.site.chromium as c; "
    "c.CHROMIUM_ARGS += os.environ['INKRIDER_PROBE_FLAGS'].split(); "
    "sys.argv[0] = 'inkrider_lite'; runpy.run_module('inkrider_lite', run_name='__main__')"
)
Threads = dict[tuple[str, str], tuple[str, float]]  # (pid, tid) -> (thread name, CPU seconds)


def chromium_threads() -> Threads:
    found: Threads = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            if not command.split(b" ")[0].endswith(b"chromium"):
                continue
            for tid in os.listdir(f"/proc/{pid}/task"):
                stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                found[(pid, tid)] = (name, (int(fields[11]) + int(fields[12])) / TICK)
        except OSError:
            continue  # threads come and go
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=3)
    parser.add_argument("--flags", default="", help="extra Chromium flags, space-separated")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="inkrider-probe-"))
    write_notebooks(folder / "cpu")
    command = [sys.executable, "-c", RUNNER, "run", str(folder / "cpu")]
    command += ["--parallel", str(args.parallel), "--output-dir", str(folder / "out")]
    env = {**os.environ, "INKRIDER_PROBE_FLAGS": args.flags}
    runner = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert runner.stdout is not None
        for line in runner.stdout:
            lines.append((time.monotonic(), line.rstrip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: Threads = {}
    series: list[tuple[float, Threads]] = []
    while runner.poll() is None:
        seen.update(chromium_threads())  # a thread that ended keeps its last reading
        series.append((time.monotonic(), dict(seen)))
        time.sleep(0.5)
    reader.join()
    ended = [(t, line) for t, line in lines if line.startswith("the batch took ")]
    if not ended:
        sys.exit("the runner did not finish its batch:\n" + "\n".join(line for _, line in lines))
    end, line = ended[0]
    start = end - float(line.split()[3])

    def at(moment: float) -> Threads:
        return min(series, key=lambda s: abs(s[0] - moment))[1]

    before, after = at(start), at(end)
    by_name: collections.Counter[str] = collections.Counter()
    for key, (name, cpu) in after.items():
        by_name[name] += cpu - before.get(key, (name, 0.0))[1]
    print(
        f"parallelism {args.parallel}: the batch took {end - start:.1f} s in the page, "
        f"the browser used {sum(by_name.values()):.1f} s of CPU meanwhile"
    )
    for name, cpu in by_name.most_common(6):
        print(f"  {cpu:6.2f} s  {name}")
    print("cores busy, every half second of the batch:")
    busy = []
    for (t0, a), (t1, b) in itertools.pairwise(series):
        if start <= t1 <= end + 0.5:
            used = sum(v[1] for v in b.values()) - sum(v[1] for v in a.values())
            busy.append(f"{t1 - start:5.1f}:{used / (t1 - t0):.1f}")
    for i in range(0, len(busy), 10):
        print("  " + "  ".join(busy[i : i + 10]))
    for t, text in lines:
        print(f"  {t - start:6.1f} s  {text}")


if __name__ == "__main__":
    main()
