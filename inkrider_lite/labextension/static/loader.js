// InkRider Lite loader: the JavaScript the page runs for InkRider (see docs/architecture.md for
// the other two places that hold JavaScript, and how the pieces fit).
//
// It is a hand-written federated extension: JupyterLite injects this script, calls
// init(sharedScope), then get('./extension'). The plugin boots Pyodide on the page's main
// thread, loads `inkrider_lite` from the site, and hands the app to Python. Everything the
// extension does is Python; this file only resolves tokens, defers kernel starts until Python
// has wrapped the factory, holds runs pressed before a notebook has its kernel, carries
// messages where Python must not sit on the path (a local worker's way back, the remote
// relay), and reports a failed start loudly.
(function () {
  'use strict';
  const NAME = 'inkrider-lite';
  const PLUGIN_ID = 'inkrider-lite:plugin';
  const PYODIDE_KERNEL_PLUGIN = '@jupyterlite/pyodide-kernel-extension:kernel';
  const scriptUrl = document.currentScript.src;
  let shared = null;

  // Tokens match by identity, so they must come from the modules the host actually loaded.
  async function requireShared(pkg) {
    const versions = (shared && shared[pkg]) || {};
    const entries = Object.entries(versions);
    const pick = entries.find(([, v]) => v.loaded) || entries[0];
    if (!pick) throw new Error(`InkRider: shared module ${pkg} is not available`);
    return (await pick[1].get())();
  }

  function liteSettings(coreutils, pluginId) {
    const all = JSON.parse(coreutils.PageConfig.getOption('litePluginSettings') || '{}');
    return all[pluginId] || {};
  }

  let pyodideIndexUrl = '';
  async function bootPython(coreutils) {
    const pyodideUrl = new URL(liteSettings(coreutils, PYODIDE_KERNEL_PLUGIN).pyodideUrl, location.href).href;
    const indexURL = pyodideUrl.slice(0, pyodideUrl.lastIndexOf('/') + 1);
    pyodideIndexUrl = indexURL;
    const snapshotUrl = new URL('./controller.snapshot', scriptUrl).href;
    let missing = '';
    const response = fetch(snapshotUrl).then(
      (r) => {
        if (r.ok) return r;
        missing = `HTTP ${r.status}`;
        return null;
      },
      (error) => {
        missing = error && error.message ? error.message : String(error);
        return null;
      },
    );
    // Its size and checksum (made with it at build time); a build without one is not checked.
    const expected = fetch(`${snapshotUrl}.json`).then((r) => (r.ok ? r.json() : {}), () => ({})).catch(() => ({}));
    const [{ loadPyodide }, { openImage, restoreOptions, slicedPauses }, { default: createModule }] = await Promise.all([
      import(pyodideUrl),
      import(new URL('./heap-image.mjs', scriptUrl).href),
      import(`${indexURL}pyodide.asm.mjs`),
    ]);
    // The snapshot goes straight into the heap as it arrives (heap-image.mjs). One that cannot
    // be restored (cut short, made for another Pyodide) costs a plain boot, not the controller.
    const options = { indexURL, fullStdLib: false };
    let pyodide = null;
    const image = await response;
    if (image !== null) {
      try {
        const { size = null, heapChecksum = null } = await expected;
        const opened = await openImage(image, size, heapChecksum);
        pyodide = await loadPyodide({ ...options, ...restoreOptions(createModule, opened, { pause: slicedPauses() }) });
      } catch (error) {
        console.warn(`InkRider: the controller boots without its snapshot (${error && error.message ? error.message : error})`);
      }
    } else {
      console.warn(`InkRider: the controller boots without its snapshot (${missing}); it takes a second more.`);
    }
    const fromSnapshot = pyodide !== null;
    pyodide ??= await loadPyodide(options);
    if (window.localStorage.getItem('inkrider-debug')) pyodide.setDebug(true);
    if (!fromSnapshot) await pyodide.loadPackage(['inkrider-lite'], { messageCallback: () => {} });
    return { pyodide, fromSnapshot };
  }

  // Every Pyodide kernel worker is made here. On a cross-origin isolated page pyodide-kernel
  // 0.8.6 would pick its `coincident` worker, and coincident 1.2.3 assumes Atomics.waitAsync
  // always returns a promise: when the worker answers before the page starts waiting, Chromium
  // returns {async: false, value: 'not-equal'} instead, `.value.then` throws, and the
  // execute_reply is lost (about 1 run in 8 stays [*]). So the kernel is built while the page
  // reads as not isolated, which gives the comlink worker, whose replies are plain messages.
  // Isolation still gives SharedArrayBuffer, all that Pyodide's interrupt needs: the buffer goes
  // to the worker's Pyodide through comlink, and `interrupt()` writes SIGINT into it.
  let hidingIsolation = 0;
  const isolationGetter = Object.getOwnPropertyDescriptor(window, 'crossOriginIsolated');
  function hideIsolation(hide) {
    if (hide ? hidingIsolation++ > 0 : --hidingIsolation > 0) return;
    if (hide) Object.defineProperty(window, 'crossOriginIsolated', { value: false, configurable: true });
    else if (isolationGetter) Object.defineProperty(window, 'crossOriginIsolated', isolationGetter);
    else delete window.crossOriginIsolated;
  }

  // A worker's Pyodide starts from the kernel image made at build time (kernel-boot.mjs, which
  // falls back to a plain boot by itself): pyodide-kernel's worker imports Pyodide from
  // `pyodideUrl`, so that option names kernel-boot.mjs, while `indexUrl`, worked out from the
  // real URL first, still names the site's Pyodide. PyodideKernel comes from the shared scope,
  // the very class the kernel extension constructs.
  const KERNEL_BOOT_URL = new URL('./kernel-boot.mjs', scriptUrl).href;
  let bootPatched = null;
  let sharedImage = null; // what the worker being built gets of the held image
  function bootFromImage() {
    bootPatched ??= requireShared('@jupyterlite/pyodide-kernel').then(
      ({ PyodideKernel }) => {
        const remoteOptions = PyodideKernel.prototype.initRemoteOptions;
        PyodideKernel.prototype.initRemoteOptions = function (options) {
          const remote = remoteOptions.call(this, options);
          const loadPyodideOptions = { ...remote.loadPyodideOptions };
          if (compiledWasm && compiledWasm.indexUrl === remote.indexUrl) loadPyodideOptions.inkriderWasm = compiledWasm.module;
          if (sharedImage) loadPyodideOptions.inkriderImage = sharedImage;
          return { ...remote, pyodideUrl: KERNEL_BOOT_URL, loadPyodideOptions };
        };
      },
      (error) => console.warn('InkRider: kernels boot without their image', error),
    );
    return bootPatched;
  }

  // pyodide-kernel decides whether a worker mounts /drive (the notebook contents, reached
  // through the service worker) once, when the kernel is created: from whether JupyterLite's
  // service-worker manager holds a registration at that moment (or the page reads as isolated,
  // which startWorkerKernel hides). That manager starts with none. In the first tab of a
  // profile it registers the service worker; in any later tab, where the worker already
  // controls the page, it first unregisters every registration (its version check finds no
  // version recorded by the first tab) and registers again, so for a while it holds none. A
  // worker created in that window, like the warm one the controller starts as soon as the
  // Pyodide factory appears, lives without /drive: `/home/pyodide` as its folder, nothing of
  // the notebook's files. So a worker is created only once the manager is ready. `ready`
  // rejects if registration failed (no /drive then, as JupyterLite intends) and never settles
  // in a browser without service workers, hence the check and the bound on the wait.
  const SERVICE_WORKER_WAIT_MS = 60000;
  let serviceWorkerManager = null;
  let serviceWorkerSettled = null;
  function serviceWorkerReady() {
    if (!serviceWorkerManager || !navigator.serviceWorker) return Promise.resolve();
    serviceWorkerSettled ??= new Promise((resolve) => {
      const timer = setTimeout(() => {
        console.warn(
          `InkRider: the service worker was not ready after ${SERVICE_WORKER_WAIT_MS / 1000} s; ` +
            'kernels start without /drive',
        );
        resolve();
      }, SERVICE_WORKER_WAIT_MS);
      serviceWorkerManager.ready.then(
        () => { clearTimeout(timer); resolve(); },
        () => {
          clearTimeout(timer);
          console.warn('InkRider: the service worker did not register; kernels start without /drive');
          resolve();
        },
      );
    });
    return serviceWorkerSettled;
  }

  // Every worker would compile Pyodide's 9.6 MB of wasm again: it is compiled once, here, and
  // each worker instantiates that module (kernel-boot.mjs).
  let compiledWasm = null;
  let compiling = null;
  function compilePyodide() {
    compiling ??= (async () => {
      const indexUrl = pyodideIndexUrl;
      try {
        const module = await WebAssembly.compileStreaming(fetch(`${indexUrl}pyodide.asm.wasm`));
        compiledWasm = { indexUrl, module };
      } catch (error) {
        console.warn('InkRider: each kernel compiles Pyodide itself', error);
      }
    })();
    return compiling;
  }

  // A worker restoring the kernel image waits for its 54 MB, and the 15 MB of package files,
  // to come from the HTTP cache: about a third of a second, and more when several start. While
  // the controller expects several starts (a batch of the Execution Tool), the page holds one
  // copy, shared with each starting worker (a SharedArrayBuffer where the page is isolated, a
  // copy per worker otherwise), and lets it go when the batch ends.
  const IMAGE_PARTS = { image: 'kernel.snapshot', files: 'kernel.files', manifest: 'kernel.snapshot.json' };
  let heldImage = null;
  let imageHolds = 0;
  function shareable(bytes) {
    if (typeof SharedArrayBuffer === 'undefined' || window.crossOriginIsolated !== true) return bytes;
    const shared = new SharedArrayBuffer(bytes.byteLength);
    new Uint8Array(shared).set(new Uint8Array(bytes));
    return shared;
  }
  function holdKernelImage(hold) {
    imageHolds = Math.max(0, imageHolds + (hold ? 1 : -1));
    if (imageHolds === 0) {
      heldImage = null;
      return;
    }
    heldImage ??= (async () => {
      const get = async (url, read) => {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        return read(response);
      };
      const bytes = async (name) => shareable(await get(new URL(`./${name}`, scriptUrl).href, (r) => r.arrayBuffer()));
      const json = (url) => get(url, (r) => r.json());
      const lockUrl = `${pyodideIndexUrl}pyodide-lock.json`;
      try {
        const [image, files, manifest, lock] = await Promise.all([
          bytes(IMAGE_PARTS.image),
          bytes(IMAGE_PARTS.files),
          json(new URL(`./${IMAGE_PARTS.manifest}`, scriptUrl).href),
          json(lockUrl),
        ]);
        return { image, files, manifest, lock, lockUrl };
      } catch (error) {
        console.warn('InkRider: each kernel fetches its image itself', error);
        return null;
      }
    })();
  }

  // The controller's quiet runs in a worker (runtimes/local/workers.py: warming the wasm up) go
  // in only while nothing else is asked of it, and what is asked meanwhile waits for the one in
  // flight: the kernel must run one request at a time, as each reply names its one parent.
  function quietTurns(kernel) {
    const handle = kernel.handleMessage.bind(kernel);
    let quiet = null;
    let asked = 0;
    let answered = performance.now(); // idle counts from the last answer to an ask, not a quiet run
    kernel.handleMessage = (msg) => {
      asked += 1;
      const go = () => handle(msg);
      return (quiet ? quiet.then(go, go) : go()).finally(() => {
        asked -= 1;
        answered = performance.now();
      });
    };
    kernel.inkriderQuietRun = (msg) => {
      if (asked > 0 || quiet) return null;
      quiet = handle(msg).finally(() => { quiet = null; });
      return quiet;
    };
    kernel.inkriderIdleMs = () => (asked > 0 || quiet ? 0 : performance.now() - answered);
    return kernel;
  }

  async function startWorkerKernel(original, options) {
    const [, , , image] = await Promise.all([bootFromImage(), serviceWorkerReady(), compilePyodide(), heldImage]);
    sharedImage = image || null;
    const isolated = window.crossOriginIsolated === true;
    if (!isolated) return quietTurns(await original(options));
    hideIsolation(true);
    let kernel;
    try {
      kernel = quietTurns(await original(options));
    } finally {
      hideIsolation(false);
    }
    // Byte 0 is Pyodide's signal. Then two words (inkrider_lite.kernel.interrupts): RUN counts
    // the execute requests sent, PRESS names the one an Interrupt was for. The worker keeps a
    // press that comes before the cell's code runs, and raises it as the code starts.
    const shared = new SharedArrayBuffer(12);
    const signal = new Uint8Array(shared, 0, 1);
    const words = new Int32Array(shared);
    const RUN = 1, PRESS = 2;
    const execute = kernel.executeRequest.bind(kernel);
    kernel.executeRequest = (content) => {
      Atomics.add(words, RUN, 1);
      signal[0] = 0; // a press meant for an earlier request must not stop this one
      return execute(content);
    };
    await kernel.ready;
    await kernel._remoteKernel._pyodide.setInterruptBuffer(signal);
    kernel.inkriderInterrupt = () => {
      Atomics.store(words, PRESS, Atomics.load(words, RUN));
      Atomics.store(signal, 0, 2); // SIGINT
    };
    return kernel;
  }

  // The way back from a local worker, as direct as the way out: the worker kernel's sendMessage.
  // Its messages go straight to the notebook it is bound to (`attach(send, tell)`); Python hears
  // status and execute_reply messages only (`tell`: the session's state, the running request),
  // and the replies to its own requests (`python`, for those whose parent session is
  // `internalSession`). What a printing loop may send is limited in the worker
  // (inkrider_lite/kernel/output_flow.py); here the consecutive stream messages of a run are
  // joined and sent at most every FLUSH_MS, so that the notebook redraws a printing cell a few
  // dozen times a second, not once per message.
  // The notebook handles a message (and draws its output) in a task of its own, after this call
  // returns: the worker waits for the return before it goes on, and a cell's `1` took 15-18 ms
  // in the worker instead of 3-4 while the page drew its `Out[n]` in between.
  const FLUSH_MS = 50;
  function workerRoute(python, internalSession) {
    let send = null;
    let tell = null;
    let pending = []; // [{ msg, texts }], in arrival order
    let timer = null;
    let lastFlush = -Infinity;
    // Stream messages and characters taken in, counted for the worker, which holds and joins
    // its writes while too much is still on its way, and waits once it holds too much.
    let taken = null;
    // [to, msg, tellTo]: delivered in order, a task later (see above); Python hears a task after
    // the notebook (its client settles a request in promise callbacks, which would otherwise
    // wait for Python).
    let outbox = [];
    function deliver() {
      const batch = outbox;
      outbox = [];
      const told = [];
      for (const [to, msg, tellTo] of batch) {
        try {
          to(msg);
        } catch (error) { // one message the notebook could not take must not lose the others
          console.error('InkRider: a kernel message was not delivered', error);
        }
        if (tellTo) told.push([tellTo, msg]);
      }
      if (told.length) setTimeout(() => told.forEach(([to, msg]) => to(msg)), 0);
    }
    // A plain task, not a high-priority one: scheduler.postTask 'user-blocking' let the page draw
    // an output before it took the worker's next message, and the worker waited again (a
    // cell's `1`: 12-15 ms in the worker, against 7-8 with this).
    const channel = new MessageChannel();
    channel.port1.onmessage = deliver;
    // A request's idle status comes from the page's side of the kernel, once the worker has
    // answered: nothing waits on the page then, so it and whatever is still queued go at once.
    // A task later, the next request of a client that waits for each one (the kernel API, a
    // batch's cells) started behind whatever else the page had queued, and its own messages
    // waited in turn: a trip of `1` took 17-27 ms, against 8-15 ms this way (its UI trip 31-37,
    // against 26-32; delivering every message at once: 36-41, build/probe/sync_idle.py).
    function post(msg, told) {
      outbox.push([send, msg, told ? tell : null]);
      if (msg.header.msg_type === 'status' && msg.content.execution_state === 'idle') deliver();
      else if (outbox.length === 1) channel.port2.postMessage(null);
    }
    function flush() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      lastFlush = performance.now();
      const chunks = pending;
      pending = [];
      if (!send) return;
      for (const { msg, texts } of chunks) {
        post(texts.length === 1 ? msg : { ...msg, content: { ...msg.content, text: texts.join('') } }, false);
      }
    }
    function sendMessage(msg) {
      const parent = msg.parent_header || {};
      const type = msg.header.msg_type;
      if (taken !== null && type === 'stream') {
        Atomics.add(taken, 0, 1);
        Atomics.add(taken, 1, msg.content.text.length);
        Atomics.notify(taken, 1);
      }
      if (parent.session === internalSession) return python(msg);
      if (!send) return; // no notebook holds the worker (yet, or any more)
      if (type === 'stream') {
        const last = pending[pending.length - 1];
        if (last && last.msg.parent_header.msg_id === parent.msg_id && last.msg.content.name === msg.content.name) {
          last.texts.push(msg.content.text);
        } else {
          pending.push({ msg, texts: [msg.content.text] });
        }
        const wait = lastFlush + FLUSH_MS - performance.now();
        if (wait <= 0) flush();
        else if (timer === null) timer = setTimeout(flush, wait);
        return;
      }
      if (pending.length) flush(); // what was printed before comes first
      post(msg, type === 'status' || type === 'execute_reply');
    }
    return {
      sendMessage,
      // Give the worker's Python the counter, where memory can be shared (the page is
      // cross-origin isolated). Before its first request: the setup code looks for it.
      connect: async (kernel) => {
        const pyodide = kernel._remoteKernel && kernel._remoteKernel._pyodide;
        if (!window.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined' || !pyodide) return false;
        const counter = new Int32Array(new SharedArrayBuffer(8)); // messages, characters
        await pyodide.registerJsModule('inkrider_flow', { acks: counter.buffer });
        taken = counter;
        return true;
      },
      attach: (sendTo, tellTo) => {
        if (pending.length) flush();
        send = sendTo || null;
        tell = tellTo || null;
      },
    };
  }

  // The worker's wasm heap in bytes; undefined while its Python is busy (it answers later).
  function workerMemory(kernel) {
    const heap = kernel._remoteKernel && kernel._remoteKernel._pyodide._module.HEAP8.length;
    if (!heap) return Promise.resolve(undefined);
    const late = new Promise((resolve) => setTimeout(() => resolve(undefined), 1000));
    return Promise.race([Promise.resolve(heap).catch(() => undefined), late]);
  }

  // A relay between one notebook and one kernel on the user's Jupyter Server, built on
  // JupyterLab's own KernelConnection (both wire protocols, reconnection with backoff). The token
  // travels as `?token=` on every request and on the WebSocket, never in a header: a header
  // needs a CORS preflight, which a server started without --ServerApp.allow_origin refuses.
  // Messages go straight to the notebook (`attach(send)`); Python hears status and
  // execute_reply messages and connection changes only (`listen`). See runtimes/remote/.
  async function remoteKernel(options, firstToken) {
    let token = firstToken;
    const services = await requireShared('@jupyterlab/services');
    const withToken = (url) => {
      const target = new URL(url);
      if (token) target.searchParams.set('token', token);
      return target.href;
    };
    // After a drop, reconnects go without the token until Python has seen the server answer
    // for the kernel (resume): Chromium prints a failed WebSocket's whole URL on the console,
    // and that of a request whose answer has no CORS headers, as jupyter_server's 404 for a
    // kernel it no longer has (KernelConnection asks for its kernel's model when a WebSocket
    // fails; without the token that fails too, and it tries again later, quietly).
    let held = false;
    const tokenFetch = async (input, init) => {
      const request = new Request(input, init);
      const headers = new Headers(request.headers);
      // Either header would make the browser ask a preflight the server may refuse.
      headers.delete('Authorization');
      headers.delete('X-XSRFToken');
      const body = ['GET', 'HEAD'].includes(request.method) ? undefined : await request.text();
      return fetch(held ? request.url : withToken(request.url), {
        method: request.method, headers, body, credentials: 'omit', cache: 'no-store',
      });
    };
    class TokenWebSocket extends WebSocket {
      constructor(url, protocols) { super(held ? url : withToken(url), protocols); }
    }
    const serverSettings = services.ServerConnection.makeSettings({
      baseUrl: options.baseUrl, wsUrl: options.wsUrl, token: '', appendToken: false,
      fetch: tokenFetch, WebSocket: TokenWebSocket, init: { cache: 'no-store', credentials: 'omit' },
    });
    const connection = new services.KernelConnection({
      model: { id: options.kernelId, name: options.kernelName },
      serverSettings,
      handleComms: false,
    });
    let send = null;
    let listener = null;
    let lastClient = null;
    // The notebook's requests go out in the relay's session, the WebSocket's `session_id`:
    // jupyverse sends a shell, control or stdin reply only to the WebSocket whose session_id is
    // the request's header.session. Answers get the notebook's session back, by request id,
    // until both the reply and the idle status have come (in either order: two channels).
    // Requests without a reply (comm messages) leave when MAX_PENDING newer ones are waiting.
    const clients = new Map();
    const MAX_PENDING = 1000;
    // Runs whose cells were ended while the server was silent (takeUnanswered): it may run them
    // still when it wakes. Their output reaches no cell, but their status and reply still reach
    // Python, and their status the notebook, so that a cell run after them shows a busy kernel
    // rather than waiting behind them in silence.
    const forgotten = new Map();
    const MAX_FORGOTTEN = 100;
    // For the hung-server watch (runtimes/remote/runtime.py): when the server last sent
    // anything, and the notebook's runs it has not answered yet.
    let lastHeard = performance.now();
    const tell = (kind, value) => {
      if (listener) {
        try { listener(kind, value); } catch (error) { console.error('InkRider: relay listener failed', error); }
      }
    };
    connection.anyMessage.connect((_, { msg, direction }) => {
      if (direction !== 'recv') return;
      lastHeard = performance.now();
      let parent = msg.parent_header || {};
      const request = clients.get(parent.msg_id);
      if (!request && parent.session === connection.clientId) {
        const run = forgotten.get(parent.msg_id);
        if (run) relayForgotten(run, msg, parent);
        return; // else the relay's own kernel_info
      }
      if (request) {
        parent = { ...parent, session: request.client };
        // The kernel runs cells in order: one sent later has started, so those taken before
        // are over, even if their end never came through.
        if (request.run && msg.header.msg_type === 'status' && msg.content.execution_state === 'busy') forgotten.clear();
        settle(clients, parent.msg_id, request, msg);
      }
      // JupyterLite finds a message's client by its header's session (even for iopub, which
      // it then sends to every client); a server's kernel puts its own session there.
      const client = parent.session || lastClient;
      if (client) msg = { ...msg, header: { ...msg.header, session: client }, parent_header: parent };
      // The notebook first: Python's bookkeeping (state, status item) is off the reply's path.
      if (send) send(msg);
      const type = msg.header.msg_type;
      if (type === 'status' || type === 'execute_reply') tell('message', msg);
    });
    // A request is over once both its reply and its idle status have come (in either order:
    // two channels); its record then leaves `records`.
    function settle(records, id, record, msg) {
      const kind = msg.header.msg_type;
      if (kind.endsWith('_reply')) record.replied = true;
      if (kind === 'status' && msg.content.execution_state === 'idle') record.idle = true;
      if (record.replied && record.idle) records.delete(id);
    }
    function relayForgotten(run, msg, parent) {
      const kind = msg.header.msg_type;
      if (kind !== 'status' && kind !== 'execute_reply') return;
      settle(forgotten, parent.msg_id, run, msg);
      const told = {
        ...msg, header: { ...msg.header, session: run.client }, parent_header: { ...parent, session: run.client },
      };
      if (kind === 'status' && send) send(told);
      tell('forgotten', told);
    }
    connection.connectionStatusChanged.connect((_, status) => {
      if (status === 'connecting') held = true;
      tell('connection', status);
    });
    const relay = {
      handleMessage: (msg) => {
        lastClient = msg.header.session;
        if (msg.channel === 'stdin') {
          connection.sendInputReply(msg.content, msg.parent_header);
          return Promise.resolve();
        }
        if (clients.size >= MAX_PENDING) clients.delete(clients.keys().next().value);
        const run = msg.header.msg_type === 'execute_request' ? msg.header : null;
        // The server's silence counts from the first run it owes an answer, not from the last
        // word of an idle hour.
        if (run && relay.unansweredRuns() === 0) lastHeard = performance.now();
        clients.set(msg.header.msg_id, { client: lastClient, replied: false, idle: false, run });
        msg = { ...msg, header: { ...msg.header, session: connection.clientId } };
        if (msg.channel === 'control') connection.sendControlMessage(msg, false, true);
        else connection.sendShellMessage(msg, false, true);
        return Promise.resolve();
      },
      attach: (fn) => { send = fn || null; },
      listen: (fn) => { listener = fn; },
      // The server has the kernel: connect again now (KernelConnection's own tries went
      // without the token, and its next one may be half a minute away).
      resume: () => {
        held = false;
        if (connection.connectionStatus !== 'connected') connection.reconnect().catch(() => {});
      },
      silentSeconds: () => (performance.now() - lastHeard) / 1000,
      // The headers of the runs without a reply; they are forgotten, so that whatever the
      // server sends for them later (once it answers again) reaches no cell.
      takeUnanswered: () => {
        const runs = [];
        for (const [id, request] of clients) {
          if (!request.run || request.replied) continue;
          runs.push(request.run);
          clients.delete(id);
          if (forgotten.size >= MAX_FORGOTTEN) forgotten.delete(forgotten.keys().next().value);
          forgotten.set(id, { ...request });
        }
        return runs;
      },
      // The header of the oldest run taken above that the kernel has not finished, or null.
      stillRunning: () => {
        for (const run of forgotten.values()) if (!run.idle) return run.run;
        return null;
      },
      unansweredRuns: () => [...clients.values()].filter((r) => r.run && !r.replied).length,
      reconnect: () => { held = false; return connection.reconnect(); },
      // The token saved for the server now (it was started again with a new one).
      useToken: (newToken) => { token = newToken; },
      dispose: () => { listener = null; send = null; connection.dispose(); },
    };
    await new Promise((resolve, reject) => {
      if (connection.connectionStatus === 'connected') return resolve();
      const timer = setTimeout(() => {
        connection.connectionStatusChanged.disconnect(watch);
        connection.dispose();
        reject(new Error(`the kernel's WebSocket did not open within ${options.timeoutMs / 1000} s`));
      }, options.timeoutMs);
      function watch(_, status) {
        if (status !== 'connected') return;
        clearTimeout(timer);
        connection.connectionStatusChanged.disconnect(watch);
        resolve();
      }
      connection.connectionStatusChanged.connect(watch);
    });
    return relay;
  }

  // What JupyterLite holds for every notebook kernel. It exists at once, before Python is up
  // (as a plain Pyodide kernel does, whose worker also boots behind `ready`), so a notebook never
  // waits for its session object. Python decides everything: it makes the routing kernel behind
  // `ready`, and once that kernel is bound it calls bind(realKernel), so that messages go
  // straight to the worker's kernel without a trip through Python; unbind() ends that, and
  // settles whatever the closed worker will never answer.
  function routedKernel(controller, original, options) {
    const slots = [];
    let inner = null;
    let disposedEarly = false;
    let real = null;
    let released = null;
    let release = null;
    const shell = {
      id: options.id,
      name: options.name,
      location: options.location,
      disposed: { connect: (fn) => (slots.push(fn), true), disconnect: () => true },
      get isDisposed() { return inner ? inner.isDisposed : disposedEarly; },
      handleMessage: (msg) =>
        real ? Promise.race([real.handleMessage(msg), released]) : inner.handleMessage(msg),
      dispose: () => { if (inner) inner.dispose(); else disposedEarly = true; },
      bind: (kernel) => {
        real = kernel;
        released = new Promise((resolve) => { release = resolve; });
      },
      unbind: () => {
        real = null;
        if (release) release();
      },
    };
    shell.ready = controller
      .then(
        (ready) => ready.create_kernel(original, options, shell),
        () => startWorkerKernel(original, options),
      )
      .then((kernel) => {
        inner = kernel;
        kernel.disposed.connect(() => slots.forEach((fn) => fn(shell)));
        if (disposedEarly) kernel.dispose();
        return kernel.ready;
      });
    return shell;
  }

  // Each page holds a Web Lock for as long as it lives; the browser lets it go when the page
  // closes, reloads or crashes. Remote kernels are recorded with their page's id, so another
  // page can tell which of them nobody relays any more (controller/detached_kernels.py).
  const TAB_LOCK = 'inkrider-tab:';
  const tabId = self.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
  if (navigator.locks) navigator.locks.request(TAB_LOCK + tabId, () => new Promise(() => {}));
  async function heldTabs() {
    if (!navigator.locks) return null;
    const { held } = await navigator.locks.query();
    return held.filter((l) => l.name.startsWith(TAB_LOCK)).map((l) => l.name.slice(TAB_LOCK.length));
  }

  // The local session cap holds across the tabs of this site in one browser: every worker holds
  // one of `cap` slot locks, which the browser itself frees when its tab closes or crashes, so a
  // slot cannot leak. A second lock per slot names its tab and notebook, for the other tabs.
  const SLOT_LOCK = 'inkrider-slot:';
  const SESSION_LOCK = 'inkrider-session:';
  const slotChannel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('inkrider-slots') : null;
  const slotListeners = [];
  if (slotChannel) slotChannel.onmessage = (event) => slotListeners.forEach((fn) => fn(event.data));
  const announce = (what) => { if (slotChannel) slotChannel.postMessage(what); };
  window.addEventListener('pagehide', () => announce('changed'));

  // Resolves to a release function once the lock is held; to null when `ifAvailable` finds it held.
  function holdLock(name, options) {
    return new Promise((resolve, reject) => {
      navigator.locks.request(name, options, (lock) => {
        if (!lock) { resolve(null); return undefined; }
        return new Promise((release) => resolve(release));
      }).catch(reject);
    });
  }

  async function heldSlot(index, releaseSlot, label) {
    let current = label;
    let releaseLabel = await holdLock(`${SESSION_LOCK}${index}:${tabId}:${label}`, { ifAvailable: true });
    announce('changed');
    return {
      index,
      // The new label is taken before the old one goes: a lock let go is free again only a
      // moment later, so asking for the same name at once would find it held, and leave the
      // session unnamed (a warm worker, to the other tabs).
      relabel: async (next) => {
        if (next === current && releaseLabel) return;
        const previous = releaseLabel;
        releaseLabel = await holdLock(`${SESSION_LOCK}${index}:${tabId}:${next}`, { ifAvailable: true });
        current = next;
        if (previous) previous();
        announce('changed');
      },
      release: () => {
        if (releaseLabel) releaseLabel();
        releaseSlot();
        announce('changed');
      },
    };
  }

  const browserSlots = {
    // A free slot now, or null. A warm worker also gives way to any run waiting in a tab.
    take: async (cap, label, forWarm) => {
      if (forWarm && (await browserSlots.wanted())) return null;
      for (let i = 0; i < cap; i++) {
        const release = await holdLock(SLOT_LOCK + i, { ifAvailable: true });
        if (release) return heldSlot(i, release, label);
      }
      return null;
    },
    // The first slot that frees up in any tab; cancel() gives up waiting (the promise rejects).
    wait: (cap, label) => {
      const abort = new AbortController();
      let won = false;
      const promise = new Promise((resolve, reject) => {
        let failed = 0;
        for (let i = 0; i < cap; i++) {
          holdLock(SLOT_LOCK + i, { signal: abort.signal }).then((release) => {
            if (won) { release(); return; }
            won = true;
            abort.abort();
            resolve(heldSlot(i, release, label));
          }, (error) => { if (++failed === cap && !won) reject(error); });
        }
      });
      announce('wanted');
      return { promise, cancel: () => abort.abort() };
    },
    // The sessions (and warm workers, label '') that other tabs hold: their notebooks' paths.
    elsewhere: async () => {
      const { held } = await navigator.locks.query();
      return held
        .filter((l) => l.name.startsWith(SESSION_LOCK))
        .map((l) => l.name.slice(SESSION_LOCK.length).split(':'))
        .filter(([, tab]) => tab !== tabId)
        .map((parts) => parts.slice(2).join(':'));
    },
    // Whether a run in some tab waits for a slot.
    wanted: async () => {
      const { pending } = await navigator.locks.query();
      return pending.some((l) => l.name.startsWith(SLOT_LOCK));
    },
    // `fn('wanted')` when a run waits for a slot in another tab, `fn('changed')` on any change.
    listen: (fn) => { slotListeners.push(fn); },
  };

  // JupyterLite connects the notebook to its kernels through an in-page socket that holds every
  // outgoing message for 4 ms (a timer) before the kernel sees it; JupyterLab on a real server has
  // no such wait. Messages of an open in-page socket go on at the next microtask instead: same
  // order, no timer. Sockets that are not in-page (a real WebSocket) are left as they are.
  function withoutSendDelay(settings) {
    const InPage = settings && settings.WebSocket;
    if (!InPage || InPage === window.WebSocket || InPage.inkriderDirect) return;
    class DirectSend extends InPage {
      send(data) {
        if (this.readyState !== 1) return super.send(data);
        const event = { type: 'server::message', origin: this.url, data };
        queueMicrotask(() => this.dispatchEvent(event, data));
        return undefined;
      }
    }
    DirectSend.inkriderDirect = true;
    settings.WebSocket = DirectSend;
  }

  // The kernel picker (Kernel → Change Kernel…) patches the notebook's session with a new
  // kernel. A Jupyter Server then shuts the replaced kernel down; JupyterLite's session client
  // leaves it running, unlisted, holding a local slot or a kernel on the remote server. The
  // replaced kernel is shut down here, as the server would, unless another session shares it.
  // The client is JupyterLab's session manager's own (a private field): without it, nothing
  // changes.
  function shutDownReplacedKernels(sessionManager, kernelClient) {
    const sessions = sessionManager && sessionManager._sessionAPIClient;
    if (!sessions || typeof sessions.update !== 'function' || sessions.inkriderShutsReplaced) return;
    const update = sessions.update.bind(sessions);
    sessions.update = async (options) => {
      const kernelOf = async (id) => {
        try {
          return (await sessions.getModel(id)).kernel?.id ?? null;
        } catch {
          return null;
        }
      };
      const before = await kernelOf(options.id);
      const patched = await update(options);
      const after = patched && patched.kernel ? patched.kernel.id : null;
      if (before && after !== before) {
        const running = await sessions.listRunning();
        if (!running.some((s) => s.kernel && s.kernel.id === before)) {
          kernelClient.shutdown(before).catch((error) => {
            console.warn('InkRider: the replaced kernel did not shut down', error);
          });
        }
      }
      return patched;
    };
    sessions.inkriderShutsReplaced = true;
  }

  const plugin = {
    id: PLUGIN_ID,
    description: 'InkRider Lite controller',
    autoStart: true,
    requires: [],
    optional: [],
    activate: (app, kernelspecs, ...optional) => {
      const activated = performance.now();
      serviceWorkerManager = optional[plugin.optionalNames.indexOf('serviceWorkerManager')] ?? null;
      const services = app.serviceManager;
      [services.serverSettings, services.kernels.serverSettings, services.sessions.serverSettings]
        .forEach(withoutSendDelay);
      let resolveController, rejectController;
      const controller = new Promise((resolve, reject) => {
        resolveController = resolve;
        rejectController = reject;
      });
      // If the controller never starts, plain Pyodide kernels keep the notebooks usable.
      const wrap = (original) => async (options) => routedKernel(controller, original, options);
      const factories = kernelspecs.factories;
      const originalRegister = kernelspecs.register.bind(kernelspecs);
      const originals = {};
      kernelspecs.register = (options) => {
        if (options.spec && options.spec.name === 'python') {
          originals.python = options.create;
          options = { ...options, create: wrap(options.create) };
        }
        return originalRegister(options);
      };
      if (factories.has('python')) {
        originals.python = factories.get('python');
        factories.set('python', wrap(originals.python));
      }
      (async () => {
        const coreutils = await requireShared('@jupyterlab/coreutils');
        const { pyodide, fromSnapshot } = await bootPython(coreutils);
        const handles = {
          app, kernelspecs, originals, requireShared, fromSnapshot, startWorkerKernel, holdKernelImage, workerMemory,
          kernelImageHeld: () => heldImage !== null,
          workerRoute, remoteKernel, siteSettings: liteSettings(coreutils, PLUGIN_ID), tabId, heldTabs,
          browserSlots: navigator.locks ? browserSlots : undefined,
          isolated: window.crossOriginIsolated === true,
          siteUrl: new URL('../../../', scriptUrl).href,
          openWindow: (url) => window.open(url, '_blank', 'noopener'),
        };
        // undefined, not null, for a missing service: Python sees undefined as None.
        plugin.optionalNames.forEach((name, i) => { handles[name] = optional[i] ?? undefined; });
        // JupyterLab's stop button reaches the kernel client, which only cancels queued runs:
        // the controller stops the running cell first. The unwrapped call stays available.
        const client = handles.kernelClient;
        if (client) {
          const cancelQueued = client.interrupt.bind(client);
          handles.cancelQueued = cancelQueued;
          client.interrupt = async (id) => {
            if (window.inkrider) {
              try { window.inkrider.on_interrupt(id); } catch (error) { console.error('InkRider: interrupt failed', error); }
            }
            return cancelQueued(id);
          };
          // A remote session restarts on its server, keeping its binding; a local one is
          // disposed and started anew by JupyterLite, as before.
          const restart = client.restart.bind(client);
          client.restart = async (id) => {
            if (window.inkrider && (await window.inkrider.on_restart(id))) return;
            return restart(id);
          };
          shutDownReplacedKernels(app.serviceManager.sessions, client);
        }
        const entry = pyodide.pyimport('inkrider_lite.controller');
        const ready = await entry.activate(handles);
        window.inkrider = ready;
        window.inkriderBoot = { activate: activated, pythonReady: performance.now(), fromSnapshot };
        resolveController(ready);
      })().catch((error) => {
        console.error('InkRider: the controller failed to start; local sessions are unavailable.', error);
        rejectController(error);
      });
    },
  };

  // JupyterLab drops a run pressed before the notebook's first session exists: its runCell
  // asks for a kernel with a preference not yet read from the notebook, gets none, and clears
  // the cell without a word. The controller's boot shares the main thread and widens that
  // window, so runs wait here for the session (this must be in place before Python is).
  const RUN_ACTIONS = ['run', 'runAndAdvance', 'runAndInsert', 'runAll', 'runAllAbove', 'runAllBelow'];
  const KERNEL_WAIT_MS = 120000;

  function kernelIsComing(sessionContext) {
    return !!sessionContext && !sessionContext.isDisposed && !sessionContext.isReady &&
      !(sessionContext.session && sessionContext.session.kernel);
  }

  async function waitForKernel(sessionContext) {
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(resolve, KERNEL_WAIT_MS); });
    await Promise.race([sessionContext.ready.catch(() => undefined), timeout]);
    clearTimeout(timer);
  }

  async function noKernelNotice(sessionContext) {
    if (sessionContext.isDisposed || (sessionContext.session && sessionContext.session.kernel)) return;
    const message = 'InkRider: the cell was not run because the notebook has no kernel yet. ' +
      'Choose a kernel (Kernel → Change Kernel…) or reload the page, then run it again.';
    console.warn(message);
    try {
      const { Notification } = await requireShared('@jupyterlab/apputils');
      Notification.warning(message, { autoClose: false });
    } catch (error) { /* the console line above still says it */ }
  }

  async function holdEarlyRuns() {
    const { NotebookActions } = await requireShared('@jupyterlab/notebook');
    for (const name of RUN_ACTIONS) {
      const original = NotebookActions[name];
      if (typeof original !== 'function') continue;
      NotebookActions[name] = async (notebook, sessionContext, ...rest) => {
        if (!kernelIsComing(sessionContext)) return original(notebook, sessionContext, ...rest);
        // The run is for the cells selected now, wherever the user clicks while it waits.
        const active = notebook.activeCell;
        const selected = notebook.widgets.filter((cell) => notebook.isSelectedOrActive(cell));
        await waitForKernel(sessionContext);
        if (notebook.isDisposed) return false;
        const index = notebook.widgets.indexOf(active);
        if (index >= 0 && notebook.activeCell !== active) {
          notebook.activeCellIndex = index;
          notebook.deselectAll();
          selected.forEach((cell) => { if (!cell.isDisposed) notebook.select(cell); });
        }
        const result = await original(notebook, sessionContext, ...rest);
        await noKernelNotice(sessionContext);
        return result;
      };
    }
    const runCells = NotebookActions.runCells;
    if (typeof runCells === 'function') {
      NotebookActions.runCells = async (notebook, cells, sessionContext, ...rest) => {
        if (!kernelIsComing(sessionContext)) return runCells(notebook, cells, sessionContext, ...rest);
        await waitForKernel(sessionContext);
        const result = await runCells(notebook, cells, sessionContext, ...rest);
        await noKernelNotice(sessionContext);
        return result;
      };
    }
  }

  // Optional services, by token name; missing ones arrive as null (e.g. no status bar).
  const OPTIONAL = [
    ['@jupyterlab/settingregistry', 'ISettingRegistry', 'settings'],
    ['@jupyterlab/statusbar', 'IStatusBar', 'statusBar'],
    ['@jupyterlab/mainmenu', 'IMainMenu', 'mainMenu'],
    ['@jupyterlab/apputils', 'ICommandPalette', 'palette'],
    ['@jupyterlite/services', 'IKernelClient', 'kernelClient'],
    ['@jupyterlite/apputils', 'IServiceWorkerManager', 'serviceWorkerManager'],
    ['@jupyterlab/filebrowser', 'IDefaultFileBrowser', 'fileBrowser'],
    // Only Jupyter Notebook's file browser page has it.
    ['@jupyter-notebook/tree', 'INotebookTree', 'notebookTree', { quiet: true }],
  ];

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init: async (scope) => {
      shared = scope;
      try {
        await holdEarlyRuns();
      } catch (error) {
        console.warn('InkRider: runs pressed before a notebook has its kernel may be lost', error);
      }
      const services = await requireShared('@jupyterlite/services');
      plugin.requires = [services.IKernelSpecs];
      plugin.optional = [];
      plugin.optionalNames = [];
      for (const [pkg, token, name, { quiet } = {}] of OPTIONAL) {
        if (quiet && !(shared && shared[pkg])) continue;
        try {
          const mod = await requireShared(pkg);
          if (mod[token]) {
            plugin.optional.push(mod[token]);
            plugin.optionalNames.push(name);
          }
        } catch (error) {
          console.warn(`InkRider: ${pkg} unavailable`, error);
        }
      }
    },
    get: async (module) => {
      if (module !== './extension') throw new Error(`InkRider: no module ${module}`);
      return () => ({ __esModule: true, default: [plugin] });
    },
  };
})();
