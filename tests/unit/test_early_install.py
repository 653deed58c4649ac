"""inkrider_lite.controller.early_install: when the warm worker gets a folder's packages early."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from inkrider_lite.controller import early_install
from inkrider_lite.controller.requirements_step import RequirementsDeps
from inkrider_lite.controller.site_urls import SiteUrls
from inkrider_lite.runtimes.local.workers import Worker
from inkrider_lite.runtimes.settings import Settings
from inkrider_lite.sessions.lifecycle import SessionState


@dataclass
class Kernel:
    location: str
    state: SessionState = SessionState.UNBOUND


@dataclass
class Workers:
    warm: Worker | None = None

    def ready_warm(self) -> Worker | None:
        return self.warm


@dataclass
class EarlyInstallDeps:
    """What early_install.start is given: the sessions, the workers, the requirements' sources."""

    sessions: dict[str, Kernel] = field(default_factory=dict)
    workers: Workers = field(default_factory=Workers)
    settings: Settings = field(default_factory=Settings)

    @property
    def requirements(self) -> RequirementsDeps:
        return RequirementsDeps(
            None, SiteUrls("http://site.test/"), lambda: self.settings.pypi_fallback
        )


def sessions(*kernels: Kernel) -> dict[str, Kernel]:
    return {str(n): k for n, k in enumerate(kernels)}


def deps(*kernels: Kernel, **settings: Any) -> EarlyInstallDeps:
    return EarlyInstallDeps(sessions(*kernels), Workers(Worker("warm")), Settings(**settings))


def test_one_folder_among_the_notebooks_not_yet_run_is_the_one_to_prepare() -> None:
    folder = early_install.the_folder_to_prepare
    assert folder(sessions(Kernel("a"), Kernel("a"))) == "a"
    assert folder(sessions(Kernel(""))) == ""  # the top folder
    assert folder(sessions(Kernel("a"), Kernel("b"))) is None
    assert folder(sessions()) is None
    running = Kernel("b", SessionState.IDLE)  # a running one already has its worker
    assert folder(sessions(Kernel("a"), running)) == "a"


def started(d: EarlyInstallDeps) -> bool:
    async def main() -> bool:
        calls: list[str] = []

        async def fake_install(_requirements: Any, _worker: Any, folder: str) -> None:
            calls.append(folder)

        original = early_install._install
        early_install._install = fake_install  # type: ignore[assignment]
        try:
            early_install.start(d.sessions, d.workers, d.requirements)  # type: ignore[arg-type]
            await asyncio.sleep(0)
        finally:
            early_install._install = original  # type: ignore[assignment]
        return bool(calls)

    return asyncio.run(main())


def test_it_starts_only_with_a_ready_warm_worker_one_folder_and_no_pypi_fallback() -> None:
    assert started(deps(Kernel("a")))
    assert not started(deps(Kernel("a"), Kernel("b")))
    assert not started(deps(Kernel("a"), pypi_fallback=True))
    no_warm = deps(Kernel("a"))
    no_warm.workers.warm = None
    assert not started(no_warm)


def test_a_worker_takes_one_early_install_unless_the_last_one_installed_nothing() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        worker = Worker("w")
        assert not early_install._holds_an_install(worker)
        worker.early = loop.create_future()
        assert early_install._holds_an_install(worker)  # running
        worker.early.set_result(None)
        assert not early_install._holds_an_install(worker)  # the folder had no file
        worker.early = loop.create_future()
        worker.early.set_result(object())
        assert early_install._holds_an_install(worker)

    asyncio.run(main())
