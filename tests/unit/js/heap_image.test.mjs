// heap-image.mjs in Node: what a new heap holds after an image is written into it, and which
// pages the writer leaves untouched. Run by tests/unit/test_heap_image.py.
import assert from 'node:assert/strict';
import test from 'node:test';
import { heapChecksum, openImage, restoreOptions, slicedPauses } from '../../../inkrider_lite/labextension/static/heap-image.mjs';

const PAGE = 4096;

// An image as Pyodide writes one: a 16-byte fixed header (magic, heap offset, JSON length, 0),
// then the JSON padded to 16, then the heap. `pages` says, per page, whether it holds data.
function makeImage(pages, { tail = 0 } = {}) {
  const json = new TextEncoder().encode('{"hiwireKeys":[]}');
  const headerLength = Math.ceil((48 + json.length) / 16) * 16;
  const heapLength = pages.length * PAGE + tail;
  const bytes = new Uint8Array(headerLength + heapLength);
  const fixed = new Uint32Array(bytes.buffer, 0, 4);
  fixed[0] = 0x12345678;
  fixed[1] = headerLength;
  fixed[2] = json.length;
  bytes.set(json, 48);
  pages.forEach((full, index) => {
    if (full) bytes.fill((index % 250) + 1, headerLength + index * PAGE, headerLength + (index + 1) * PAGE);
  });
  if (tail) bytes.fill(7, headerLength + pages.length * PAGE);
  return { bytes, headerLength, heap: bytes.subarray(headerLength) };
}

// A stand-in for Emscripten's module: a heap that `_malloc` grows, and Pyodide's restore,
// which copies whatever follows the header it is handed.
function fakeModule(initialPages, { dirty = [] } = {}) {
  const module = {
    HEAPU8: new Uint8Array(initialPages * PAGE),
    _malloc(size) {
      const grown = new Uint8Array(this.HEAPU8.length + size);
      grown.set(this.HEAPU8);
      this.HEAPU8 = grown;
      return 16;
    },
    restored: null,
    API: {
      restoreSnapshot(header) {
        const offset = new Uint32Array(header.buffer, header.byteOffset, 4)[1];
        module.restored = header.length - offset; // bytes Pyodide itself would copy
        return { from: 'header' };
      },
    },
  };
  for (const page of dirty) module.HEAPU8.fill(9, page * PAGE, (page + 1) * PAGE);
  return module;
}

// A response that arrives in uneven chunks, as a network read would.
function chunkedResponse(bytes, chunk) {
  let at = 0;
  const body = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        controller.byobRequest?.respond(0); // a pending BYOB read ends only so
        return;
      }
      const end = Math.min(at + chunk, bytes.length);
      controller.enqueue(bytes.slice(at, end));
      at = end;
    },
  });
  return new Response(body, { headers: { 'content-length': String(bytes.length) } });
}

async function restore(source, module, expected) {
  const image = await openImage(source, expected);
  const options = restoreOptions(async () => module, image);
  const header = await options._loadSnapshot;
  const created = await options.createPyodideModule({});
  const config = created.API.restoreSnapshot(header);
  return { header, config };
}

for (const [name, source] of [
  ['bytes', (image) => image.bytes.slice().buffer],
  ['shared bytes', (image) => {
    const shared = new SharedArrayBuffer(image.bytes.length);
    new Uint8Array(shared).set(image.bytes);
    return shared;
  }],
  ['a response in 1000-byte chunks', (image) => chunkedResponse(image.bytes, 1000)],
  ['a response in 100 kB chunks', (image) => chunkedResponse(image.bytes, 100_000)],
]) {
  test(`the heap holds the image, from ${name}`, async () => {
    const pages = Array.from({ length: 40 }, (_, i) => i % 3 === 0);
    const image = makeImage(pages, { tail: 100 });
    // Pages 1 and 4 of the new heap are written already (module start-up, the allocator),
    // where the image has zeros: they must read zero afterwards.
    const module = fakeModule(8, { dirty: [1, 4] });
    const { header, config } = await restore(source(image), module, image.bytes.length);
    assert.deepEqual(config, { from: 'header' });
    assert.equal(header.length, image.headerLength);
    assert.equal(module.restored, 0, 'Pyodide is handed the header only');
    assert.deepEqual(module.HEAPU8.subarray(0, image.heap.length), image.heap);
  });
}

test('pages of zeros are left untouched unless the heap has data there', async () => {
  const pages = [true, false, false, true, false];
  const image = makeImage(pages);
  const module = fakeModule(8, { dirty: [2] });
  let report = null;
  const options = restoreOptions(async () => module, await openImage(image.bytes.slice().buffer), {
    report: (counts) => { report = counts; },
  });
  await options.createPyodideModule({});
  assert.deepEqual(report, { written: 5 * PAGE, skipped: 2 * PAGE }); // pages 1 and 4
  assert.deepEqual(module.HEAPU8.subarray(0, image.heap.length), image.heap);
});

test('the heap grows to the image size before it is written', async () => {
  const image = makeImage(Array(20).fill(true));
  const module = fakeModule(2);
  await restore(image.bytes.slice().buffer, module, image.bytes.length);
  assert.ok(module.HEAPU8.length >= image.heap.length);
  assert.deepEqual(module.HEAPU8.subarray(0, image.heap.length), image.heap);
});

test('the hooks run around the write and the restore, in order', async () => {
  const image = makeImage([true, true]);
  const module = fakeModule(4);
  const seen = [];
  const options = restoreOptions(async () => module, await openImage(image.bytes.slice().buffer), {
    prepare: (m) => seen.push(['prepare', m.HEAPU8[0]]),
    restored: (m) => seen.push(['restored', m.HEAPU8[0]]),
  });
  const header = await options._loadSnapshot;
  await options.createPyodideModule({});
  module.API.restoreSnapshot(header);
  assert.deepEqual(seen, [['prepare', 0], ['restored', 1]]);
});

test('a truncated download fails before Pyodide restores anything', async () => {
  const image = makeImage(Array(6).fill(true));
  const cut = image.bytes.subarray(0, image.bytes.length - 1000);
  const response = chunkedResponse(cut, 4000);
  const options = restoreOptions(async () => fakeModule(8), await openImage(response, image.bytes.length));
  await assert.rejects(options.createPyodideModule({}), /not the one its manifest describes/);
});

test('an image of another size than its manifest says is refused', async () => {
  const image = makeImage([true]);
  await assert.rejects(openImage(image.bytes.slice().buffer, image.bytes.length + 16), /manifest/);
});

test('a response without a length is read whole', async () => {
  const image = makeImage([true, false, true]);
  const body = new ReadableStream({ start(c) { c.enqueue(image.bytes.slice()); c.close(); } });
  const module = fakeModule(4);
  await restore(new Response(body), module, null);
  assert.deepEqual(module.HEAPU8.subarray(0, image.heap.length), image.heap);
});

test("the build's checksum is the one a restore computes, however the image arrives", async () => {
  const image = makeImage(Array.from({ length: 30 }, (_, i) => i % 4 !== 1), { tail: 10 });
  const sum = heapChecksum(image.bytes);
  for (const source of [image.bytes.slice().buffer, chunkedResponse(image.bytes, 1000)]) {
    const module = fakeModule(4);
    const options = restoreOptions(async () => module, await openImage(source, image.bytes.length, sum));
    await options.createPyodideModule({});
    assert.deepEqual(module.HEAPU8.subarray(0, image.heap.length), image.heap);
  }
});

test('a damaged image of the right size is refused before Pyodide restores it', async () => {
  const image = makeImage(Array(12).fill(true));
  const sum = heapChecksum(image.bytes);
  const damaged = image.bytes.slice();
  damaged[image.headerLength + 5 * 4096 + 17] ^= 0x5a;
  for (const source of [damaged.slice().buffer, chunkedResponse(damaged, 3000)]) {
    const module = fakeModule(4);
    const options = restoreOptions(async () => module, await openImage(source, damaged.length, sum));
    await assert.rejects(options.createPyodideModule({}), /damaged/);
    assert.equal(module.restored, null, 'Pyodide restored nothing');
  }
});

test("the page's pauses come between the heap's pieces, and the heap is whole after them", async () => {
  const pages = Array.from({ length: 100 }, (_, i) => i % 2 === 0);
  const image = makeImage(pages, { tail: 10 });
  for (const source of [image.bytes.slice().buffer, chunkedResponse(image.bytes, 5000)]) {
    const module = fakeModule(8);
    let pauses = 0;
    let written = 0;
    // A pause lets other work run: the event loop turns before the next piece is written.
    const pause = () => new Promise((go) => setTimeout(() => { pauses += 1; go(); }, 0));
    const options = restoreOptions(async () => module, await openImage(source, image.bytes.length), {
      pause,
      report: (counts) => { written = counts.written; },
    });
    await options.createPyodideModule({});
    // 100 pages and a tail: 7 pieces of 64 kB.
    assert.equal(pauses, Math.ceil(image.heap.length / (64 * 1024)));
    assert.equal(written, image.heap.length);
    assert.deepEqual(module.HEAPU8.subarray(0, image.heap.length), image.heap);
  }
});

test('sliced pauses give the event loop a turn only once a slice of work has passed', async () => {
  const pause = slicedPauses();
  let turned = false;
  setTimeout(() => { turned = true; }, 0);
  await pause(); // at once: no slice has passed
  assert.equal(turned, false);
  const start = performance.now();
  while (performance.now() - start < 40); // a slice of work
  await pause();
  assert.equal(turned, true);
});
