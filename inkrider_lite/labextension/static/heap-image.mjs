// InkRider Lite: a Pyodide memory image (a snapshot) copied straight into a new Pyodide's heap.
//
// Pyodide's own restore takes the whole image as one buffer and copies it into the heap: the
// kernel's 52 MB and the controller's 30 MB were then held twice, the buffer lingering as
// garbage until a collection that an idle worker may not make for minutes. And it writes every
// page of the heap, zeros included, so the pages a fresh heap had never touched became
// resident: about 18 MB of the kernel's image and 15 MB of the controller's are whole pages of
// zeros.
//
// Here Pyodide gets only the image's header (its checks and its JSON), and the heap is written
// before Pyodide asks for it, from a reusable 64 KB stage: from the response as it arrives, or
// from bytes the page holds. A page of zeros is skipped where the new heap already reads zero.
// Used by the page for the controller (loader.js) and by each kernel worker (kernel-boot.mjs).

const HEADER_FIXED = 16; // u32 magic, u32 offset of the heap, u32 length of the JSON, u32 0
const PAGE = 4096;
const STAGE = 64 * 1024;

function isZero(bytes, start, length) {
  // Aligned words where possible: the checks run over tens of megabytes.
  if ((bytes.byteOffset + start) % 4 === 0 && length % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + start, length / 4);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    return true;
  }
  for (let i = start; i < start + length; i++) if (bytes[i] !== 0) return false;
  return true;
}

// FNV-1a over the heap's 32-bit words (little-endian), in order: the build records it in the
// image's manifest, and a restore compares it before Pyodide runs anything in the new heap, so
// that a damaged image (same size, other bytes) is refused instead of crashing the interpreter
// or, worse, running it subtly wrong. Fed in pieces whose lengths are multiples of 4 (all but
// the last).
export class HeapChecksum {
  constructor() {
    this.hash = 0x811c9dc5;
  }

  update(bytes) {
    const whole = bytes.length - (bytes.length % 4);
    const words = (bytes.byteOffset % 4 === 0)
      ? new Uint32Array(bytes.buffer, bytes.byteOffset, whole / 4)
      : new Uint32Array(bytes.slice(0, whole).buffer);
    let hash = this.hash;
    for (let i = 0; i < words.length; i++) hash = Math.imul(hash ^ words[i], 16777619);
    for (let i = whole; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 16777619);
    this.hash = hash;
  }

  hex() {
    return (this.hash >>> 0).toString(16).padStart(8, '0');
  }
}

// The HeapChecksum of a whole image file's heap (the build's side).
export function heapChecksum(image) {
  const bytes = image instanceof Uint8Array ? image : new Uint8Array(image);
  const sum = new HeapChecksum();
  sum.update(bytes.subarray(headerLength(bytes)));
  return sum.hex();
}

// Writes the heap's bytes in order, from offset 0.
class HeapWriter {
  constructor(module) {
    this.module = module;
    this.offset = 0;
    this.skipped = 0;
    this.checksum = new HeapChecksum();
  }

  write(bytes) {
    this.checksum.update(bytes);
    const heap = this.module.HEAPU8;
    if (this.offset + bytes.length > heap.length) throw new Error('the image is larger than the heap');
    for (let start = 0; start < bytes.length; start += PAGE) {
      const length = Math.min(PAGE, bytes.length - start);
      const at = this.offset + start;
      if (isZero(bytes, start, length) && isZero(heap, at, length)) {
        this.skipped += length;
      } else {
        heap.set(bytes.subarray(start, start + length), at);
      }
    }
    this.offset += bytes.length;
  }
}

function headerLength(fixed) {
  return new DataView(fixed.buffer, fixed.byteOffset, HEADER_FIXED).getUint32(4, true);
}

// An image held in memory (an ArrayBuffer or, from an isolated page, a SharedArrayBuffer).
function heldImage(bytes) {
  const all = new Uint8Array(bytes);
  if (all.length < HEADER_FIXED) throw new Error('the image is truncated');
  const length = headerLength(all);
  if (length > all.length) throw new Error('the image is truncated');
  return {
    header: all.slice(0, length),
    heapSize: all.length - length,
    async writeInto(module, pause) {
      const writer = new HeapWriter(module);
      for (let start = length; start < all.length; start += STAGE) {
        writer.write(all.subarray(start, Math.min(start + STAGE, all.length)));
        await pause();
      }
      return writer;
    },
  };
}

// Reads exactly `view.length` bytes into `view` (a BYOB read may return fewer), or fewer at
// the end of the stream; returns the view, possibly over a new buffer (reads transfer it).
async function readFully(reader, view) {
  let filled = 0;
  let buffer = view.buffer;
  const { byteOffset, length } = view;
  while (filled < length) {
    const { value, done } = await reader.read(new Uint8Array(buffer, byteOffset + filled, length - filled));
    if (done) {
      if (value) buffer = value.buffer;
      break;
    }
    buffer = value.buffer;
    filled += value.byteLength;
  }
  return new Uint8Array(buffer, byteOffset, filled);
}

// An image read from a response: its header now, its heap when the module is there to take it
// (until then the download waits in the browser's buffer).
async function streamedImage(response, expectedSize) {
  if (!response.body) throw new Error('the image response has no body');
  const reader = response.body.getReader({ mode: 'byob' });
  try {
    const fixed = await readFully(reader, new Uint8Array(HEADER_FIXED));
    if (fixed.length < HEADER_FIXED) throw new Error('the image is truncated');
    const length = headerLength(fixed);
    if (length < HEADER_FIXED || length > expectedSize) throw new Error('the image header is invalid');
    const header = new Uint8Array(length);
    header.set(fixed);
    const rest = await readFully(reader, header.subarray(HEADER_FIXED));
    if (rest.length < length - HEADER_FIXED) throw new Error('the image is truncated');
    const full = new Uint8Array(rest.buffer, 0, length);
    return {
      header: full,
      heapSize: expectedSize - length,
      async writeInto(module, pause) {
        const writer = new HeapWriter(module);
        try {
          let stage = new Uint8Array(STAGE);
          for (;;) {
            const chunk = await readFully(reader, stage);
            if (chunk.length) writer.write(chunk);
            await pause();
            if (chunk.length < STAGE) break;
            stage = new Uint8Array(chunk.buffer, 0, STAGE);
          }
        } catch (error) {
          reader.cancel().catch(() => {}); // the rest of the download is of no use
          throw error;
        }
        if (writer.offset !== expectedSize - length) {
          throw new Error('the image is not the one its manifest describes');
        }
        return writer;
      },
    };
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
}

// The image from `source`: a Response (read as a stream) or bytes. `expectedSize` (the whole
// file's) and `expectedChecksum` (the heap's HeapChecksum), from a manifest, are checked when
// known.
export async function openImage(source, expectedSize = null, expectedChecksum = null) {
  const image = await openBytes(source, expectedSize);
  image.checksum = expectedChecksum;
  return image;
}

async function openBytes(source, expectedSize) {
  if (source instanceof Response) {
    // The heap must be grown before it is written, so its size must be known up front.
    // (A compressed response's Content-Length is not the image's.)
    const encoded = (source.headers.get('content-encoding') || 'identity') !== 'identity';
    const size = expectedSize || (encoded ? null : Number(source.headers.get('content-length')) || null);
    if (size) return streamedImage(source, size);
    return heldImage(await source.arrayBuffer());
  }
  if (expectedSize && source.byteLength !== expectedSize) throw new Error('the image is not the one its manifest describes');
  return heldImage(source);
}

// A pause for the page's other work every SLICE_MS of writing: on the page's main thread the
// controller's 30 MB (read, checked, copied) made one task of 150 ms or more, on top of the
// module's own instantiation. A worker has nothing else to run, and does not pause.
const SLICE_MS = 30;
export function slicedPauses() {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await (globalThis.scheduler && scheduler.yield ? scheduler.yield() : new Promise((go) => setTimeout(go, 0)));
    since = performance.now();
  };
}
const NO_PAUSE = async () => {};

// Pyodide's options for starting from `image`: `_loadSnapshot` gets the header only, and
// `createPyodideModule` writes the heap into the module before Pyodide restores from it.
// `prepare(module)` runs on the fresh module before its heap is overwritten; `restored(module)`
// right after Pyodide has restored; `pause()` is awaited between the pieces of the heap (see
// slicedPauses). Pyodide's restore then copies nothing: its header says where the heap starts,
// and nothing follows that in what it was handed.
export function restoreOptions(
  createModule, image, { prepare = () => {}, restored = () => {}, report = () => {}, pause = NO_PAUSE } = {},
) {
  let taken = image;
  return {
    _loadSnapshot: Promise.resolve(image.header),
    async createPyodideModule(settings) {
      const source = taken;
      taken = null; // Pyodide keeps its options for the life of the runtime
      const module = await createModule(settings);
      prepare(module);
      const size = source.heapSize;
      // The new module's memory is smaller than a heap that has imported packages: allocating
      // the image's size makes Emscripten grow it (and its views) the usual way; the image
      // then overwrites the allocator's state.
      if (module.HEAPU8.length < size && !module._malloc(size)) {
        throw new Error('no memory for the image');
      }
      const writer = await source.writeInto(module, pause);
      if (source.checksum && writer.checksum.hex() !== source.checksum) {
        throw new Error('the image is damaged: its checksum is not the one its manifest records');
      }
      report({ written: writer.offset, skipped: writer.skipped });
      const restoreSnapshot = module.API.restoreSnapshot;
      module.API.restoreSnapshot = (header) => {
        module.API.restoreSnapshot = restoreSnapshot;
        const config = restoreSnapshot(header);
        restored(module);
        return config;
      };
      return module;
    },
  };
}
