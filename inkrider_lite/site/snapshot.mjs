// Build-time only (Node): boot the site's own Pyodide, import the controller, and save a memory
// snapshot, so the page restores a ready interpreter instead of running CPython's start-up on
// the main thread. Usage: node snapshot.mjs <static/pyodide dir> <output file> <module>
//
// The wheel is unpacked rather than loaded with loadPackage: loadPackage leaves references to
// JS objects behind, and a snapshot cannot hold those.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { heapChecksum } from '../labextension/static/heap-image.mjs';
import path from 'node:path';

const [dir, output, module] = process.argv.slice(2);
const indexURL = path.resolve(dir) + path.sep;
const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, 'pyodide.mjs')).href);
const pyodide = await loadPyodide({ indexURL, _makeSnapshot: true });
const lock = JSON.parse(readFileSync(path.join(indexURL, 'pyodide-lock.json'), 'utf8'));
const sitePackages = pyodide.runPython('import site; site.getsitepackages()[0]');
for (const name of ['inkrider-lite', ...lock.packages['inkrider-lite'].depends]) {
  const wheel = readFileSync(path.join(indexURL, lock.packages[name].file_name));
  pyodide.unpackArchive(new Uint8Array(wheel), 'wheel', { extractDir: sitePackages });
}
pyodide.runPython(`import ${module}`);
const snapshot = pyodide.makeMemorySnapshot();
writeFileSync(output, snapshot);
// What the page checks as the snapshot streams into the controller's heap (heap-image.mjs): a
// file cut short or damaged costs a plain boot instead of a broken controller.
writeFileSync(`${output}.json`, JSON.stringify({ size: snapshot.length, heapChecksum: heapChecksum(snapshot) }) + '\n');
