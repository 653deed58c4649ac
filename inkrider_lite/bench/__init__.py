"""`scripts/bench`: InkRider Lite against vanilla JupyterLite, in headless Chromium.

Both sites are built from the same content with the same offline Pyodide in the same run, so
the ratio isolates what InkRider adds. Runs alternate between the sites and each one gets a
fresh browser profile, so neither benefits from the other's cache. A bare page that only boots
Pyodide gives the physical floor that no site can beat on this machine.

The remote runtime's reference is JupyterLab itself (`remote.py`): both clients talk to one
`jupyter lab` process, in two pages of one browser, alternating.

This package runs in CPython and drives the browser through Playwright; it never imports a
browser module.
"""
