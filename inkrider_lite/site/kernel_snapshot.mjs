// Build-time only (Node): boot the site's own Pyodide as a kernel worker would, with the kernel's
// packages in place and IPython, ipykernel and pyodide-kernel imported, and save a memory
// snapshot of it (the "image"), which the worker restores instead of booting (kernel-boot.mjs).
// Usage: node kernel_snapshot.mjs <static/pyodide dir> <image> <files bundle> <manifest>
//        [--import=module,...] <packages...>
// `--import` names modules of those packages that every worker imports after its boot (InkRider's
// kernel side): imported here, they cost a worker nothing, where each import would otherwise
// look through the notebook's folder on /drive, one request per path entry.
//
// The image must be the same bytes for the same sources, so everything that would make two
// builds differ is pinned here: the hash seed, the clock (file times end up in Python's import
// caches) and the entropy source (the `random` module seeds itself at import). The worker
// reseeds `random` after restoring.
//
// A snapshot cannot hold references to JS objects that are not reached from the global scope.
// Importing micropip takes four from Pyodide's API (loadPackage, install, loadBinaryFile and
// the API object); they are recorded by name and the worker hands back the live ones.
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { heapChecksum } from '../labextension/static/heap-image.mjs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [dir, output, filesOutput, manifestFile, ...rest] = process.argv.slice(2);
const IMPORT = '--import=';
const imports = rest.filter((a) => a.startsWith(IMPORT)).flatMap((a) => a.slice(IMPORT.length).split(',')).filter(Boolean);
const roots = rest.filter((a) => !a.startsWith(IMPORT));

const EPOCH = Date.UTC(2020, 0, 1);
let tick = 0;
Date.now = () => EPOCH + tick++;
performance.now = () => tick++;
let counter = 0;
const fill = (array) => {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (counter++ * 2654435761) >>> 24;
  return array;
};
Object.defineProperty(globalThis.crypto, 'getRandomValues', { value: fill, configurable: true });
// Emscripten reads entropy from node:crypto through require().
createRequire(import.meta.url)('node:crypto').randomFillSync = fill;

const indexURL = path.resolve(dir) + path.sep;
const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, 'pyodide.mjs')).href);
const quiet = { stdout: () => {}, stderr: (line) => console.error(line) };
const lock = JSON.parse(readFileSync(path.join(indexURL, 'pyodide-lock.json'), 'utf8'));
const wanted = new Set();
const add = (name) => {
  if (wanted.has(name)) return;
  wanted.add(name);
  lock.packages[name].depends.forEach(add);
};
roots.forEach(add);
const names = [...wanted].sort();

// The packages' files, exactly as loadPackage writes them, from a throwaway interpreter: the
// files live outside the heap, so the worker writes them itself (kernel-boot.mjs), from one
// bundle, instead of unpacking every wheel again.
const installer = await loadPyodide({ indexURL, ...quiet });
await installer.loadPackage(names, { messageCallback: () => {} });
const sitePackages = installer.runPython('import site; site.getsitepackages()[0]');
// What Pyodide records as loaded after such a boot: the lock's names (loadPackage) and the
// wheels' own (init_loaded_packages, which runs at the end of every boot).
installer.pyimport('pyodide._package_loader').init_loaded_packages();
const loaded = Object.fromEntries(Object.entries(installer.loadedPackages).sort());
const files = [];
const walk = (folder) => {
  for (const name of installer.FS.readdir(folder).sort()) {
    if (name === '.' || name === '..') continue;
    const full = `${folder}/${name}`;
    if (installer.FS.isDir(installer.FS.stat(full).mode)) walk(full);
    else files.push([full.slice(sitePackages.length + 1), installer.FS.readFile(full)]);
  }
};
walk(sitePackages);

const pyodide = await loadPyodide({
  indexURL,
  _makeSnapshot: true,
  env: { PYTHONHASHSEED: '0' },
  ...quiet,
});
for (const [relative, bytes] of files) {
  const full = `${sitePackages}/${relative}`;
  pyodide.FS.mkdirTree(full.slice(0, full.lastIndexOf('/')));
  pyodide.FS.writeFile(full, bytes);
}

// What the kernel worker imports as it boots (pyodide-kernel's initPackageManager and
// initKernel). pyodide_kernel.kernel keeps loadPackagesFromImports from `pyodide_js`; the
// worker puts it back (kernel-boot.mjs).
await pyodide.runPythonAsync(`
import micropip, piplite.piplite
import pyodide_kernel
import pyodide_kernel.kernel as _k
_k._load_packages_from_imports = None
del _k
${imports.map((name) => `import ${name}`).join('\n')}
import gc
gc.collect()
`);

const api = pyodide._api;
const known = [
  [pyodide, { public: '' }],
  [api, { api: '' }],
];
for (const [tag, object] of [['public', pyodide], ['api', api]]) {
  for (const key of Object.getOwnPropertyNames(object)) {
    let value;
    try { value = object[key]; } catch { continue; }
    if (typeof value === 'function') known.push([value, { [tag]: key }]);
  }
}
const serializer = (object) => {
  const hit = known.find(([value]) => value === object);
  if (!hit) throw new Error(`the kernel image holds a JS object it cannot name: ${String(object).slice(0, 80)}`);
  return hit[1];
};
const image = pyodide.makeMemorySnapshot({ serializer });
writeFileSync(output, image);

// The bundle: a little-endian u32 header length, the JSON header (each file's path under
// site-packages and size, in order), then the files' bytes.
const header = new TextEncoder().encode(
  JSON.stringify({ sitePackages, files: files.map(([relative, bytes]) => [relative, bytes.length]) }),
);
const bundle = Buffer.concat([
  Buffer.from(new Uint32Array([header.length]).buffer),
  Buffer.from(header),
  ...files.map(([, bytes]) => Buffer.from(bytes)),
]);
writeFileSync(filesOutput, bundle);

const digest = (bytes) => createHash('sha256').update(bytes).digest('hex');
const manifest = {
  // The worker boots from the image only if the lock still pins these very wheels.
  pyodide: pyodide.version,
  // Pyodide's C side records at start-up whether the runtime can switch stacks (JSPI), which
  // run_sync, and so time.sleep, depend on: the image keeps the build's answer.
  jspi: Boolean(pyodide._module.jspiSupported),
  packages: Object.fromEntries(names.map((name) => [name, lock.packages[name].sha256])),
  roots,
  imports,
  // heapChecksum: what a worker checks as the image streams into its heap (heap-image.mjs).
  image: { sha256: digest(image), size: image.length, heapChecksum: heapChecksum(image) },
  files: { sha256: digest(bundle), size: bundle.length, count: files.length },
  loaded,
};
writeFileSync(manifestFile, JSON.stringify(manifest, null, 1) + '\n');
