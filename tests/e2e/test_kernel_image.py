"""Kernel workers restored from the image made at build time (labextension/static/kernel-boot.mjs):
a session from the image behaves like one booted plainly, and a missing or stale image gives a
plain boot with a console warning, never a broken session.

A plain boot is forced by routing the image's manifest: on the context, because the page's
service worker fetches past page routes.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import BrowserContext, Page, expect

from .notebook import (
    answer_input,
    cells,
    interrupt_a_sleep,
    open_notebook,
    run_existing_cell,
    run_in_new_cell,
    submit_in_new_cell,
)

RESTORED = "InkRider: kernel restored from its image"
PLAIN = "InkRider: the kernel boots without its image"
MANIFEST = "**/extensions/inkrider-lite/static/kernel.snapshot.json"

#: What a session is made of, as far as a snapshot could get it wrong.
PROBE = """
import json, os, sys, micropip, piplite.piplite as pl, pyodide_js
from micropip._compat import _compat_in_pyodide as compat
ip = get_ipython()
kernel_module = sys.modules["pyodide_kernel.kernel"]
print(json.dumps({
    "cwd": os.getcwd(),
    "dh": [str(p) for p in ip.user_ns["_dh"]],
    "path": sys.path,
    "env": sorted(os.environ),
    "stdout": type(sys.stdout).__name__,
    "loaded": pyodide_js.loadedPackages.to_py(),
    "installed": sorted((p.name, p.version, p.source) for p in micropip.list().values()),
    "index_urls": micropip._package_manager_singleton.index_urls,
    "piplite": [pl._PIPLITE_URLS, pl._PIPLITE_DISABLE_PYPI],
    "lockfile_base_url": compat.CompatibilityInPyodide.lockfile_base_url,
    "lockfile_packages": sorted(compat.CompatibilityInPyodide.lockfile_packages),
    "loads_from_imports": type(kernel_module._load_packages_from_imports).__name__,
}))
"""


def boot_messages(page: Page) -> list[str]:
    lines = page.console_lines  # type: ignore[attr-defined]
    return [line for line in lines if RESTORED in line or PLAIN in line]


def probe(page: Page) -> dict:
    output = run_in_new_cell(page, PROBE).strip()
    try:
        return json.loads(output.splitlines()[-1])
    except (ValueError, IndexError):
        raise AssertionError(f"the probe did not run: {output}") from None


def force_plain_boot(context: BrowserContext, manifest_body: str | None) -> None:
    if manifest_body is None:
        context.route(MANIFEST, lambda route: route.fulfill(status=404, body="not found"))
    else:
        context.route(
            MANIFEST,
            lambda route: route.fulfill(
                status=200, content_type="application/json", body=manifest_body
            ),
        )


def test_a_session_from_the_image_does_what_a_plain_one_does(page: Page, site_url: str) -> None:
    # The folder's requirements.txt is installed before the first cell, as in a plain session.
    open_notebook(page, site_url, "packages/packages.ipynb")
    versions = dict(line.split() for line in run_existing_cell(page).strip().splitlines())
    assert versions["attrs"] == "25.3.0"
    assert any(RESTORED in m for m in boot_messages(page)), boot_messages(page)
    assert not any(PLAIN in m for m in boot_messages(page))
    # The image goes into the heap page by page, and its pages of zeros (about 18 MB of its
    # 52) are left as the fresh heap has them: untouched, so not resident.
    untouched = re.findall(r"(\d+) MB of zero pages left untouched", " ".join(boot_messages(page)))
    assert untouched and min(int(n) for n in untouched) >= 10, boot_messages(page)

    # micropip and %pip install from the site's index.
    out = run_in_new_cell(
        page, "import micropip\nawait micropip.install('httpx')\nimport httpx\nprint('httpx ok')"
    )
    assert "httpx ok" in out
    run_in_new_cell(page, "%pip install tabulate")
    assert "tabulate ok" in run_in_new_cell(page, "import tabulate\nprint('tabulate ok')")
    # Imports of a package the image holds, by a module not imported at build time.
    assert "jedi ok" in run_in_new_cell(page, "import jedi, IPython.lib.pretty\nprint('jedi ok')")

    # Rich display: IPython.display.HTML and an object with _repr_html_, as HTML outputs.
    cell = submit_in_new_cell(
        page,
        "from IPython.display import HTML, display\n"
        "display(HTML('<b class=\"zz-shown\">bold</b>'))\n"
        "class Card:\n"
        "    def _repr_html_(self): return '<i class=\"zz-card\">card</i>'\n"
        "Card()",
    )
    expect(cell.locator(".jp-OutputArea b.zz-shown")).to_have_text("bold")
    expect(cell.locator(".jp-OutputArea i.zz-card")).to_have_text("card")

    # input() reaches the notebook, and the answer the kernel.
    answer_input(page)

    # Interrupt stops a running cell; the session lives on.
    interrupt_a_sleep(page)

    # Modules written to the notebook's folder on /drive import.
    run_in_new_cell(page, "with open('helper_img.py', 'w') as f: f.write('value = 7')")
    assert "value=7" in run_in_new_cell(
        page, "import helper_img\nprint(f'value={helper_img.value}')"
    )
    run_in_new_cell(page, "import os\nos.remove('helper_img.py')")
    assert not page.page_errors  # type: ignore[attr-defined]


def test_a_session_from_the_image_is_made_of_what_a_plain_one_is(
    page: Page, site_url: str, context: BrowserContext
) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    restored = probe(page)
    first_random = run_in_new_cell(page, "import random; print(random.random())")
    assert any(RESTORED in m for m in boot_messages(page)), boot_messages(page)

    # Every image boots with the build's random state: the worker reseeds it.
    page.evaluate(
        "async () => { const k = window.inkrider._handles.app.shell.currentWidget"
        ".sessionContext.session.kernel; await k.restart(); }"
    )
    second_random = run_in_new_cell(page, "import random; print(random.random())")
    assert first_random != second_random
    assert len([m for m in boot_messages(page) if RESTORED in m]) >= 2

    plain_page = context.new_page()
    plain_page.set_default_timeout(60_000)
    lines: list[str] = []
    plain_page.on("console", lambda m: lines.append(m.text))
    plain_page.console_lines = lines  # type: ignore[attr-defined]
    force_plain_boot(context, None)
    open_notebook(plain_page, site_url, "examples/scratch.ipynb")
    plain = probe(plain_page)
    assert any(PLAIN in m for m in boot_messages(plain_page)), boot_messages(plain_page)

    # The page's own port is in the URLs of both; everything else is the same.
    assert restored == plain


def test_without_an_image_the_kernel_boots_plainly_and_says_so(
    page: Page, site_url: str, context: BrowserContext
) -> None:
    force_plain_boot(context, None)
    for name in ("kernel.snapshot", "kernel.files"):
        context.route(f"**/inkrider-lite/static/{name}", lambda route: route.fulfill(status=404))
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert "42" in run_in_new_cell(page, "print(6 * 7)")
    messages = boot_messages(page)
    assert any(f"{PLAIN} (none was built)" in m for m in messages), messages
    assert not any(RESTORED in m for m in messages)
    assert "ok" in run_in_new_cell(page, "import IPython, micropip\nprint('ok')")


def test_a_manifest_fetch_that_fails_once_is_tried_again(
    page: Page, site_url: str, context: BrowserContext
) -> None:
    """A fetch with no HTTP answer (as while another tab registers the service worker again)
    does not cost the worker its image: it asks again."""
    failed: list[str] = []

    def fail_once(route) -> None:
        if failed:
            route.continue_()
        else:
            failed.append(route.request.url)
            route.abort("connectionreset")

    context.route(MANIFEST, fail_once)
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert "42" in run_in_new_cell(page, "print(6 * 7)")
    messages = boot_messages(page)
    assert failed, "the manifest was never asked for"
    assert any(RESTORED in m for m in messages), messages
    assert not any(PLAIN in m for m in messages), messages


def test_an_image_made_for_other_files_is_not_used(
    page: Page, site_url: str, context: BrowserContext
) -> None:
    # The site's manifest, as an older build would have left it: made for another ipython.
    manifest = json.loads(
        page.request.get(f"{site_url}extensions/inkrider-lite/static/kernel.snapshot.json").text()
    )
    manifest["packages"]["ipython"] = "0" * 64
    force_plain_boot(context, json.dumps(manifest))
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert "42" in run_in_new_cell(page, "print(6 * 7)")
    messages = boot_messages(page)
    stale = [m for m in messages if PLAIN in m]
    assert stale and re.search(r"stale: made for another ipython wheel", stale[0]), messages
    assert not any(RESTORED in m for m in messages)


def test_a_damaged_image_is_refused_before_it_runs(
    page: Page, site_url: str, context: BrowserContext
) -> None:
    # An image whose bytes are not the ones its build recorded (here: the manifest's checksum
    # changed, as a damaged copy of the image would read) must not run: a damaged image crashed
    # Pyodide ("fatal error", memory access out of bounds) before the worker fell back.
    manifest = json.loads(
        page.request.get(f"{site_url}extensions/inkrider-lite/static/kernel.snapshot.json").text()
    )
    manifest["image"]["heapChecksum"] = "00000000"
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    force_plain_boot(context, json.dumps(manifest))
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert "42" in run_in_new_cell(page, "print(6 * 7)")
    messages = boot_messages(page)
    damaged = [m for m in messages if PLAIN in m]
    assert damaged and "the image is damaged" in damaged[0], messages
    assert not any(RESTORED in m for m in messages)
    assert not any("fatal error" in m for m in errors), errors


def test_a_session_in_a_second_tab_sees_drive_and_runs_in_its_folder(
    page: Page, site_url: str, context: BrowserContext
) -> None:
    # In a second tab of a profile JupyterLite unregisters the service worker and registers it
    # again; a kernel created meanwhile, like the warm worker the controller starts at once,
    # would have no /drive and run in /home/pyodide.
    open_notebook(page, site_url, "batch/notebook-01.ipynb", app="notebooks")
    assert run_existing_cell(page).strip() == "notebook 01 ran in /drive/batch"

    second = context.new_page()
    second.set_default_timeout(60_000)
    lines: list[str] = []
    second.on("console", lambda m: lines.append(f"{m.type}: {m.text}"))
    second.console_lines = lines  # type: ignore[attr-defined]
    open_notebook(second, site_url, "batch/notebook-02.ipynb", app="notebooks")
    assert run_existing_cell(second).strip() == "notebook 02 ran in /drive/batch"
    listing = run_in_new_cell(second, "import os\nprint(sorted(os.listdir('.')))")
    assert "notebook-02.ipynb" in listing and "notebook-01.ipynb" in listing, listing
    assert any(RESTORED in m for m in boot_messages(second)), boot_messages(second)
    assert not [line for line in lines if "could not enter" in line], lines
    assert not [line for line in lines if "NOT be synced" in line], lines

    # The first tab's session still reaches /drive through the service worker registered again.
    listing = run_in_new_cell(page, "import os\nprint(os.getcwd(), sorted(os.listdir('.')))")
    assert listing.startswith("/drive/batch") and "notebook-02.ipynb" in listing, listing


def test_cells_run_while_the_page_warms_up_lose_nothing(page: Page, site_url: str) -> None:
    # A restored worker runs quiet requests while idle (runtimes/local/workers.py, TIER_UP_RUNS);
    # cells asked for meanwhile wait for the one in flight, and see none of them.
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert run_in_new_cell(page, "x = 41\nx").split() == ["[1]:", "41"]
    page.wait_for_function(
        "(() => { const left = JSON.parse(window.inkrider.status_json()).warm_up_runs_left;"
        " return left > 0 && left < 50; })()",
        timeout=60_000,
    )
    outputs = [run_in_new_cell(page, code).split() for code in ("x + 1", "_", "x * 2")]
    assert outputs == [["[2]:", "42"], ["[3]:", "42"], ["[4]:", "82"]]
    prompts = cells(page).locator(".jp-InputPrompt").all_inner_texts()
    assert [p.strip() for p in prompts[:4]] == ["[1]:", "[2]:", "[3]:", "[4]:"]
    page.wait_for_function("JSON.parse(window.inkrider.status_json()).warm_up_runs_left === 0")
    # IPython's history holds the notebook's cells only, in order.
    assert run_in_new_cell(page, "print(In[1:])").strip() == str(
        ["x = 41\nx", "x + 1", "_", "x * 2", "print(In[1:])"]
    )
    assert not page.page_errors  # type: ignore[attr-defined]
