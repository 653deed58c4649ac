"""How the tests and the benchmark start Debian's Chromium: one place, so both measure alike.

`playwright install` cannot download browsers here, hence the system binary; the flags keep
Chromium off the network it would otherwise try to reach at start.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
