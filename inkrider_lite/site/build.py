"""Building the static site: JupyterLite 0.8.6, offline Pyodide, the local index, the loader.

The same function builds the *vanilla* site that `scripts/bench` compares against: the same
content, the same Pyodide and the same wheels, without InkRider.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from ..kernel import WORKER_MODULES
from . import content_requirements, docs, downloads, pyodide_lock, snapshot
from .package_index import write_simple_index
from .wheel_files import WheelFile, read_wheel

PYODIDE_VERSION = "314.0.6"  # what jupyterlite-pyodide-kernel 0.8.6 expects
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"

#: Lock packages the kernel loads at boot, at the versions Pyodide pins.
KERNEL_LOCK_ROOTS = ["micropip", "ipython", "jedi", "packaging"]
#: What the lock's own metadata forgets (see notes/offline-pyodide-facts.md).
LOCK_EXTRA_DEPENDS = {"ipython": ["ipython-pygments-lexers", "jedi"]}
#: Boot packages that are not in Pyodide's lock at all.
KERNEL_EXTRA_SPECS = ["comm", "ipython-pygments-lexers"]
#: Loaded by `loadPyodide` itself, so the kernel skips its slower piplite installs.
KERNEL_PRELOAD = ["micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython"]
#: Offered by the site's index whatever the content asks: the user manual shows
#: `micropip.install("httpx")`. The content's requirements.txt files add theirs at build time.
INDEX_SPECS = ["httpx"]


@dataclass(frozen=True)
class SitePaths:
    root: Path

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def cache(self) -> Path:
        return self.build / "cache"

    def output(self, vanilla: bool) -> Path:
        return self.build / ("vanilla-site" if vanilla else "site")


#: jupyterlite_config.json's section for InkRider's own site settings. `remote_runtime`: whether
#: the site offers the Jupyter Server runtime (a Professional plan feature).
SITE_SECTION = "InkRiderLite"
PLUGIN_ID = "inkrider-lite:plugin"

#: Subpackages that run only on the host (the site builder, the benchmarks, the headless runner)
#: and the `python -m inkrider_lite` entry: the page and every worker load the wheel, so these
#: stay out of it.
HOST_ONLY = ("site", "bench", "runner", "__main__.py")


def browser_sources(root: Path, stage: Path) -> Path:
    """A copy of the project without the host-only subpackages, to build the wheel from."""
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(root / name, stage / name)
    shutil.copytree(
        root / "inkrider_lite",
        stage / "inkrider_lite",
        ignore=lambda folder, names: [
            n
            for n in names
            if n == "__pycache__" or (Path(folder).name == "inkrider_lite" and n in HOST_ONLY)
        ],
    )
    return stage


def inkrider_wheel(root: Path, dest: Path) -> Path:
    """Build the browser's `inkrider_lite` wheel with standard tooling (pip wheel, setuptools),
    from its sources only (see HOST_ONLY)."""
    shutil.rmtree(dest, ignore_errors=True)
    sources = browser_sources(root, dest.with_name(dest.name + "-sources"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--wheel-dir",
            str(dest),
            str(sources),
        ],
        check=True,
    )
    (wheel,) = dest.glob("inkrider_lite-*-py3-none-any.whl")
    return wheel


def kernel_extension_wheels() -> list[Path]:
    """The wheels that jupyterlite-pyodide-kernel ships inside its lab extension."""
    share = Path(sys.prefix) / "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension"
    return sorted((share / "static/pypi").glob("*.whl"))


def build(root: Path, *, vanilla: bool = False) -> Path:
    paths = SitePaths(root)
    pyodide = downloads.pyodide_from_npm(PYODIDE_VERSION, paths.cache)
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())

    lock_names = pyodide_lock.closure(lock, KERNEL_LOCK_ROOTS)
    pins = [f"{name}=={lock['packages'][name]['version']}" for name in lock_names]
    wheel_dir = paths.cache / "wheels"
    boot = downloads.browser_wheels(pins, wheel_dir, with_deps=False)
    boot += downloads.browser_wheels(KERNEL_EXTRA_SPECS, wheel_dir, with_deps=False)
    index = downloads.browser_wheels(INDEX_SPECS, wheel_dir, with_deps=True)

    config = json.loads((root / "jupyterlite_config.json").read_text())
    build_config = config.setdefault("LiteBuildConfig", {})
    requirements = content_requirements.resolve(
        content_requirements.collect(root, [root / c for c in build_config.get("contents", [])]),
        # Tagged with the file's digest: a failure is remembered until the file changes.
        lambda specs, tag, constraints: downloads.browser_wheels(
            specs, wheel_dir, with_deps=True, failure_tag=tag, constraints=constraints
        ),
    )
    index += requirements.wheels

    shipped: dict[str, WheelFile] = {}
    for path in [*boot, *kernel_extension_wheels()]:
        wheel = read_wheel(path)
        if wheel.name == "widgetsnbextension":
            continue  # two shim versions; the kernel extension's own index serves them
        shipped[wheel.name] = wheel
    if not vanilla:
        own = read_wheel(inkrider_wheel(root, paths.build / "inkrider-wheel"))
        shipped[own.name] = own
    index_wheels = [read_wheel(p) for p in dict.fromkeys(index)]
    index_wheels = [w for w in index_wheels if w.name not in shipped]

    new_lock = pyodide_lock.rewrite(lock, shipped, LOCK_EXTRA_DEPENDS)
    if missing := pyodide_lock.missing_dependencies(new_lock):
        raise SystemExit(f"the rewritten Pyodide lock misses dependencies: {missing}")

    stage = paths.build / ("stage-vanilla" if vanilla else "stage")
    shutil.rmtree(stage, ignore_errors=True)
    piplite_dir = stage / "piplite"
    piplite_dir.mkdir(parents=True)
    for wheel in index_wheels + [w for n, w in shipped.items() if n in {"comm", "inkrider-lite"}]:
        shutil.copy2(wheel.path, piplite_dir / wheel.file_name)

    if vanilla:
        build_config.pop("federated_extensions", None)
    config.setdefault("PipliteAddon", {})["piplite_urls"] = [str(piplite_dir)]
    config_path = stage / "jupyterlite_config.json"
    config_path.write_text(json.dumps(config, indent=2))

    output = paths.output(vanilla)
    shutil.rmtree(output, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyterlite_core",
            "build",
            "--config",
            str(config_path),
            "--lite-dir",
            str(root),
            "--output-dir",
            str(output),
            f"--LiteBuildConfig.cache_dir={paths.cache / ('lite-vanilla' if vanilla else 'lite')}",
        ],
        check=True,
        cwd=root,
        stdout=subprocess.DEVNULL,
    )

    static_pyodide = output / "static" / "pyodide"
    static_pyodide.mkdir(parents=True, exist_ok=True)
    for name in ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]:
        shutil.copy2(pyodide / name, static_pyodide / name)
    for wheel in shipped.values():
        shutil.copy2(wheel.path, static_pyodide / wheel.file_name)
    (static_pyodide / "pyodide-lock.json").write_text(json.dumps(new_lock))

    all_index = [*index_wheels, *shipped.values()]
    for wheel in index_wheels:
        shutil.copy2(wheel.path, output / "pypi" / wheel.file_name)
    for wheel in shipped.values():
        target = output / "pypi" / wheel.file_name
        if not target.exists():
            shutil.copy2(wheel.path, target)
    write_simple_index(output / "pypi" / "simple", all_index, "../../")
    report_path = output / "pypi" / "requirements-report.json"
    report_path.write_text(json.dumps(requirements.to_json(), indent=2))

    _configure(output, vanilla=vanilla, site=config.get(SITE_SECTION, {}))
    if not vanilla:
        _link_favicon(output)
    if not vanilla:
        docs.render(root / "docs", output / "inkrider" / "docs")
        snapshot.make(output, static_pyodide)
        make_kernel_image(output, static_pyodide)
    # Last, so that what notebook authors must fix is not lost among other output.
    print("\n".join(requirements.lines()))
    return output


def make_kernel_image(output: Path, static_pyodide: Path) -> Path | None:
    """The kernel worker's image, as the site has it (the reproducibility test makes it again)."""
    return snapshot.make_kernel(
        output, static_pyodide, kernel_image_packages(), list(WORKER_MODULES)
    )


def kernel_image_packages() -> list[str]:
    """What the kernel worker's image holds: pyodide-kernel's preload list, and InkRider's
    kernel side, which the worker setup code loads into every worker."""
    return [canonicalize_name(p) for p in KERNEL_PRELOAD] + ["inkrider-lite"]


def _configure(output: Path, *, vanilla: bool, site: dict[str, object]) -> None:
    """Point the kernel at the site's own Pyodide and keep every install on the site's index;
    hand InkRider the site's own settings (the plan gate of the remote runtime)."""
    config_path = output / "jupyter-lite.json"
    config = json.loads(config_path.read_text())
    data = config["jupyter-config-data"]
    settings = data.setdefault("litePluginSettings", {})
    kernel = settings.setdefault(KERNEL_PLUGIN, {})
    kernel.update(
        pyodideUrl="./static/pyodide/pyodide.mjs",
        disablePyPIFallback=True,
        loadPyodideOptions={"packages": [canonicalize_name(p) for p in KERNEL_PRELOAD]},
    )
    if not vanilla:
        settings.setdefault(PLUGIN_ID, {})["remoteRuntime"] = bool(site.get("remote_runtime"))
    config_path.write_text(json.dumps(config, indent=2))


#: JupyterLite's app pages name no icon, so the browser asks the origin's /favicon.ico and logs
#: a 404 on every load; JupyterLab's own favicon ships in static/favicons.
FAVICON_LINK = (
    '<link rel="icon" type="image/x-icon" href="../static/favicons/favicon.ico" '
    'class="idle favicon">'
)


def _link_favicon(output: Path) -> None:
    for page in sorted(output.glob("*/index.html")):
        html = page.read_text()
        if 'rel="icon"' not in html and "</head>" in html:
            page.write_text(html.replace("</head>", f"  {FAVICON_LINK}\n  </head>", 1))
