"""`inkrider-lite run`: the Execution Tool, headless, for CI (host only: not in the browser wheel).

It serves the built site, opens it in headless Chromium, copies the notebooks' folders into the
page's contents, and asks the page's own Execution Tool to run them (window.inkrider.execution_*):
the same limiter, sessions and writes as a user's batch. Then it takes the written notebooks back
to disk and writes a JUnit report.
"""
