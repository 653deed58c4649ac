"""Which remembered remote kernels are detached: pure logic over the CPython storage."""

from __future__ import annotations

from inkrider_lite.runtimes.remote import kernels_store
from inkrider_lite.runtimes.remote.kernels_store import KernelRecord, detached
from inkrider_lite.sessions.explorer_rows import detached_row


def record(kernel_id: str, tab: str) -> KernelRecord:
    return KernelRecord(kernel_id, "python3", "http://127.0.0.1:8888/", 0.0, "a.ipynb", tab)


def test_kernels_of_live_pages_are_not_detached() -> None:
    records = [record("mine", "this"), record("open", "other"), record("gone", "closed")]
    assert [r.id for r in detached(records, {"this", "other"}, "this")] == ["gone"]


def test_without_web_locks_every_other_pages_kernel_is_listed() -> None:
    records = [record("mine", "this"), record("open", "other")]
    assert [r.id for r in detached(records, None, "this")] == ["open"]


def test_records_survive_a_round_trip_and_bad_storage_is_ignored() -> None:
    kernels_store.remember(record("k1", "t"))
    kernels_store.remember(record("k1", "u"))  # the same kernel, adopted by another page
    assert kernels_store.load() == [record("k1", "u")]
    kernels_store.forget("k1")
    assert kernels_store.load() == []
    kernels_store.compat.storage_set(kernels_store.KERNELS_KEY, "{not json")
    assert kernels_store.load() == []


def test_a_detached_row_offers_reconnect_until_the_server_stops_answering() -> None:
    answering = detached_row("k", "a.ipynb", "127.0.0.1:8888", None, True)
    assert answering.state_text == "detached: no notebook is connected"
    assert answering.can_reconnect and answering.close_text == "Close" and answering.detached
    silent = detached_row("k", "", "127.0.0.1:8888", None, False)
    assert silent.path == "(untitled)" and not silent.can_reconnect
    assert silent.close_text == "Forget"


def test_records_follow_their_notebooks_renamed_or_moved() -> None:
    kernels_store.remember(record("k1", "t"))
    kernels_store.remember(record("k2", "t"))
    kernels_store.follow_paths({"k1": "renamed/b.ipynb", "other": "c.ipynb"})
    assert {r.id: r.path for r in kernels_store.load()} == {
        "k1": "renamed/b.ipynb",
        "k2": "a.ipynb",
    }
    kernels_store.forget("k1")
    kernels_store.forget("k2")


def test_a_first_run_takes_back_the_newest_kernel_a_gone_page_left_for_that_notebook() -> None:
    server = "http://127.0.0.1:8888/"
    records = [
        KernelRecord("older", "python3", server, 1.0, "a.ipynb", "reloaded"),
        KernelRecord("newer", "python3", server, 2.0, "a.ipynb", "reloaded"),
        KernelRecord("open-tab", "python3", server, 3.0, "a.ipynb", "other"),
        KernelRecord("mine", "python3", server, 4.0, "a.ipynb", "this"),
        KernelRecord("other-notebook", "python3", server, 5.0, "b.ipynb", "reloaded"),
        KernelRecord("other-server", "python3", "http://127.0.0.1:9999/", 6.0, "a.ipynb", "x"),
        KernelRecord("other-spec", "julia", server, 7.0, "a.ipynb", "reloaded"),
    ]
    live = {"this", "other"}
    found = kernels_store.reclaimable(records, live, "this", server, "a.ipynb", "python3")
    assert found is not None and found.id == "newer"
    assert kernels_store.reclaimable(records, live, "this", server, "c.ipynb", "python3") is None
    # No kernelspec chosen (the server's default): whichever the kernel has.
    found = kernels_store.reclaimable(records, live, "this", server, "a.ipynb", "")
    assert found is not None and found.id == "other-spec"
    # Without Web Locks a kernel may be another open tab's: never taken by a run.
    assert kernels_store.reclaimable(records, None, "this", server, "a.ipynb", "python3") is None
