"""Imports from the notebook's own folder on /drive, where the kernel keeps directory stats for
one cell (inkrider_lite.kernel.drive_stats): modules written by an earlier cell import, edits
reload, and importlib.invalidate_caches() makes a module written in the same cell importable."""

from __future__ import annotations

from playwright.sync_api import Page

from .notebook import open_notebook, run_in_new_cell


def test_modules_written_to_the_notebook_folder_import_and_reload(
    page: Page, site_url: str
) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert "/drive/examples" in run_in_new_cell(page, "import os\nprint(os.getcwd())")
    # A module missing at first is found once an earlier cell has written it.
    assert "ModuleNotFoundError" in run_in_new_cell(page, "import helper_zz")
    run_in_new_cell(page, "with open('helper_zz.py', 'w') as f: f.write('value = 1')")
    assert "value=1" in run_in_new_cell(page, "import helper_zz\nprint(f'value={helper_zz.value}')")
    # An edit reloads with its new source.
    run_in_new_cell(page, "with open('helper_zz.py', 'w') as f: f.write('value = 22')")
    assert "value=22" in run_in_new_cell(
        page, "import importlib\nimportlib.reload(helper_zz)\nprint(f'value={helper_zz.value}')"
    )
    # Written and imported in one cell: importlib.invalidate_caches(), as anywhere in Python.
    same_cell = (
        "with open('other_zz.py', 'w') as f: f.write('v = 3')\n"
        "importlib.invalidate_caches()\n"
        "import other_zz\nprint(f'v={other_zz.v}')"
    )
    assert "v=3" in run_in_new_cell(page, same_cell)
