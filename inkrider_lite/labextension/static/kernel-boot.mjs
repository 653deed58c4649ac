// InkRider Lite: how a kernel worker's Pyodide starts. pyodide-kernel's worker imports this
// module in place of pyodide.mjs (the loader points `pyodideUrl` here; `indexURL` still names
// the site's Pyodide) and calls `loadPyodide` as it would Pyodide's own.
//
// It restores the image made at build time (site/kernel_snapshot.mjs): an interpreter that has
// already imported IPython, ipykernel and pyodide-kernel. What an image cannot hold is put back:
// the packages' files (from the bundle made with it) and Pyodide's record of them, Pyodide's JS
// functions that micropip and pyodide-kernel took at import, micropip's view of the lockfile,
// `sys.path`, the `random` seed, CPython's call trampoline and IPython's directory history. The
// working directory, the /drive mount and the interrupt buffer are set by pyodide-kernel and the
// loader after this returns, as in a plain boot.
//
// Pyodide's compiled wasm comes from the page (loader.js), and so do the image, the files, the
// manifest and the lock while the page holds them (during an Execution Tool batch); otherwise
// each is fetched here. The image goes straight into the heap (heap-image.mjs).
//
// Without an image, or with one made for other wheels or another Pyodide (a stale build), or if
// restoring fails, the worker boots plainly and says why on the console.
import { openImage, restoreOptions } from './heap-image.mjs';

const IMAGE_URL = new URL('./kernel.snapshot', import.meta.url).href;
const FILES_URL = new URL('./kernel.files', import.meta.url).href;
const MANIFEST_URL = new URL('./kernel.snapshot.json', import.meta.url).href;

function warn(reason) {
  console.warn(`InkRider: the kernel boots without its image (${reason}); it takes a few seconds more.`);
}

// Why the image does not fit this site, or '' if it does.
function staleness(manifest, lock, version, preload) {
  if (manifest.pyodide !== version) return `made for Pyodide ${manifest.pyodide}, the site has ${version}`;
  const jspi = 'Suspending' in WebAssembly || 'Suspender' in WebAssembly;
  if (manifest.jspi !== jspi) return `made for a runtime ${manifest.jspi ? 'with' : 'without'} stack switching`;
  const missing = preload.filter((name) => !(name in manifest.packages));
  if (missing.length) return `made without ${missing.join(', ')}, which the kernel loads`;
  for (const [name, sha256] of Object.entries(manifest.packages)) {
    const entry = lock.packages[name];
    if (!entry) return `made with ${name}, which the site no longer has`;
    if (entry.sha256 !== sha256) return `made for another ${name} wheel than the site's ${entry.file_name}`;
  }
  return '';
}

// The image names the JS objects it referred to (kernel_snapshot.mjs); each becomes a stand-in
// that forwards to the live one, which exists once loadPyodide has returned.
function deserializer(live) {
  const base = (tag) => ('public' in tag ? live.pyodide : live.pyodide._api);
  return (tag) => {
    const key = 'public' in tag ? tag.public : tag.api;
    if (key === '') {
      return new Proxy({}, {
        get: (_, name) => base(tag)[name],
        has: (_, name) => name in base(tag),
        ownKeys: () => Reflect.ownKeys(base(tag)),
        getOwnPropertyDescriptor: (_, name) => {
          const found = Reflect.getOwnPropertyDescriptor(base(tag), name);
          return found && { ...found, configurable: true };
        },
      });
    }
    return function (...args) {
      return base(tag)[key](...args);
    };
  };
}

// A fetch that fails outright (no HTTP answer: e.g. while another tab of the site registers its
// service worker again) is tried again twice before the worker gives up its image.
async function retried(request) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (attempt === 3 || (error && error.name === 'AbortError')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
    }
  }
}

// The manifest, or why the worker boots without an image.
async function manifestOrWhyNot() {
  let response;
  try {
    response = await retried(() => fetch(MANIFEST_URL));
  } catch (error) {
    return `its manifest could not be fetched: ${error && error.message ? error.message : error}`;
  }
  if (response.status === 404) return 'none was built';
  if (!response.ok) return `its manifest could not be fetched: HTTP ${response.status}`;
  try {
    return await response.json();
  } catch (error) {
    return `its manifest is not valid JSON: ${error.message}`;
  }
}

// The bundle made at build time: u32 header length, JSON header, then the files' bytes.
function writeFiles(FS, bytes, expected) {
  if (bytes.byteLength !== expected.size) throw new Error('the files are not the ones the manifest describes');
  const length = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)));
  let offset = 4 + length;
  const made = new Set();
  for (const [relative, size] of header.files) {
    const full = `${header.sitePackages}/${relative}`;
    const folder = full.slice(0, full.lastIndexOf('/'));
    if (!made.has(folder)) {
      FS.mkdirTree(folder);
      made.add(folder);
    }
    FS.writeFile(full, bytes.subarray(offset, offset + size), { canOwn: true });
    offset += size;
  }
}

const RESTORE = `
def _inkrider_restore():
    import os, random, sys
    import pyodide_js
    import pyodide._package_loader
    pyodide._package_loader.loadedPackages = pyodide_js.loadedPackages
    # A fresh interpreter seeds from the system; the image's seed is the build's.
    random.seed()
    os.environ.pop("PYTHONHASHSEED", None)
    # Pyodide puts "" first at every start, the image's own included.
    sys.path[:] = list(dict.fromkeys(sys.path))
    import pyodide_kernel.kernel
    pyodide_kernel.kernel._load_packages_from_imports = pyodide_js.loadPackagesFromImports
    # micropip read these at import, in the build's Pyodide.
    from micropip._compat import _compat_in_pyodide as compat
    packages = pyodide_js._api.lockfile_packages.to_py()
    info = pyodide_js._api.lockfile_info.to_py()
    base_url = pyodide_js.lockfileBaseUrl
    compat.LOCKFILE_PACKAGES = packages
    compat.LOCKFILE_INFO = info
    compat.lockfileBaseUrl = base_url
    layer = compat.CompatibilityInPyodide
    layer.lockfile_packages = packages
    layer.lockfile_info = info
    layer.lockfile_base_url = base_url
    for name in ("loadedPackages", "loadPackage"):
        setattr(compat, name, getattr(pyodide_js, name))
        setattr(layer, name, getattr(pyodide_js, name))
    compat.install = layer.install = pyodide_js._api.install
    compat.loadBinaryFile = pyodide_js._api.loadBinaryFile
_inkrider_restore()
del _inkrider_restore
`;

// Pyodide's wasm, compiled once by the page (loader.js), so that a worker instantiates it
// without compiling 9.6 MB of code again.
async function withCompiled(wasm, start) {
  if (!(wasm instanceof WebAssembly.Module)) return start();
  const streaming = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = async (source, imports) => {
    Promise.resolve(source).then((r) => r.body && r.body.cancel(), () => {});
    return { module: wasm, instance: await WebAssembly.instantiate(wasm, imports) };
  };
  try {
    return await start();
  } finally {
    WebAssembly.instantiateStreaming = streaming;
  }
}

// The loader may hand over Pyodide's compiled wasm and, while it holds them, the image and the
// package files (shared memory where the page is isolated: the files are copied here, since
// MEMFS keeps them).
export async function loadPyodide(options) {
  const { inkriderWasm, inkriderImage, ...config } = options;
  return withCompiled(inkriderWasm, () => load(config, inkriderImage));
}

function ownCopy(bytes) {
  return bytes instanceof SharedArrayBuffer ? new Uint8Array(bytes).slice().buffer : bytes;
}

async function load(config, offered) {
  const t0 = performance.now();
  const lockUrl = config.lockFileURL || `${config.indexURL}pyodide-lock.json`;
  const held = offered && offered.lockUrl === lockUrl ? offered : null;
  // Everything is asked for at once; the image and the files are dropped if they do not fit.
  const controller = new AbortController();
  const download = (url) => {
    const response = retried(() => fetch(url, { signal: controller.signal })).then((r) => {
      if (!r.ok) throw new Error(`${url}: ${r.status}`);
      return r;
    });
    response.catch(() => {});
    return response;
  };
  const image = held ? Promise.resolve(held.image) : download(IMAGE_URL);
  const bundle = held ? Promise.resolve(ownCopy(held.files)) : download(FILES_URL).then((r) => r.arrayBuffer());
  bundle.catch(() => {});
  const asm = import(`${config.indexURL}pyodide.asm.mjs`);
  asm.catch(() => {});
  const [pyodideModule, manifest, lock] = await Promise.all([
    import(`${config.indexURL}pyodide.mjs`),
    held ? held.manifest : manifestOrWhyNot(),
    held ? held.lock : fetch(lockUrl).then((r) => r.json()),
  ]);
  const plain = () => pyodideModule.loadPyodide(config);
  if (typeof manifest === 'string') {
    controller.abort();
    warn(manifest);
    return plain();
  }
  const stale = staleness(manifest, lock, pyodideModule.version, config.packages || []);
  if (stale) {
    controller.abort();
    warn(`it is stale: ${stale}`);
    return plain();
  }
  const { default: createModule } = await asm;
  //
  // CPython calls C functions through a trampoline that its start-up picks for the runtime (a
  // small wasm module where the browser allows it, a JS one otherwise) and keeps in
  // _PyRuntime. The image holds Node's choice, and a JS trampoline is a JS frame that stack
  // switching (run_sync, time.sleep) cannot suspend through: the browser's own choice, made
  // by the new module before the image is copied in, is put back right after.
  let slot = 0;
  let trampoline = 0;
  let zeroPages = 0;
  const trampolineKept = {
    prepare(module) {
      slot = (module.__PyRuntime + module.HEAP32[module.__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET >>> 2]) >>> 2;
      trampoline = module.HEAP32[slot];
    },
    restored(module) {
      module.HEAP32[slot] = trampoline;
    },
    report({ skipped }) {
      zeroPages = skipped;
    },
  };
  const live = { pyodide: null };
  let pyodide;
  const t1 = performance.now();
  let t2, t3;
  try {
    const opened = await openImage(await image, manifest.image.size, manifest.image.heapChecksum || null);
    pyodide = await pyodideModule.loadPyodide({
      ...config,
      packages: [], // their modules are in the image, their files in the bundle
      ...restoreOptions(createModule, opened, trampolineKept),
      _snapshotDeserializer: deserializer(live),
    });
    live.pyodide = pyodide;
    t2 = performance.now();
    // The image has the packages imported, but their files and Pyodide's record of them
    // live outside the heap: the files come from the bundle, and the record says what
    // a plain boot would have (recorded at build time: the lock's names and the wheels' own).
    writeFiles(pyodide.FS, new Uint8Array(await bundle), manifest.files);
    Object.assign(pyodide.loadedPackages, manifest.loaded);
    t3 = performance.now();
    pyodide.runPython(RESTORE);
  } catch (error) {
    controller.abort();
    warn(`restoring it failed: ${error && error.message ? error.message : error}`);
    return plain();
  }
  // IPython's directory history starts with the directory it was created in, which for a
  // plain boot is the one pyodide-kernel enters before importing it (/drive when mounted).
  // That directory is set after this returns, and before pyodide-kernel's next Python call.
  const runPythonAsync = pyodide.runPythonAsync;
  pyodide.runPythonAsync = function (...args) {
    pyodide.runPythonAsync = runPythonAsync;
    try {
      pyodide.runPython(
        'import os, pyodide_kernel\npyodide_kernel.ipython_shell.history_manager.dir_hist[:] = [os.getcwd()]',
      );
    } catch (error) {
      console.warn('InkRider: the kernel keeps the image\'s directory history', error);
    }
    return runPythonAsync.apply(this, args);
  };
  const t4 = performance.now();
  console.info(
    `InkRider: kernel restored from its image in ${Math.round(t4 - t0)} ms ` +
      `(checks ${Math.round(t1 - t0)}, restore ${Math.round(t2 - t1)}, ` +
      `package files ${Math.round(t3 - t2)}, fix-ups ${Math.round(t4 - t3)}; ` +
      `${Math.round(zeroPages / 2 ** 20)} MB of zero pages left untouched)${held ? ', the image held by the page' : ''}`,
  );
  return pyodide;
}
