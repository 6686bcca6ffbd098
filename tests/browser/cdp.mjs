// Minimal Chrome DevTools Protocol (CDP) client over --remote-debugging-pipe.
// Dependency-free (Node built-ins only); works on Node 18 and 20.
//
// Pipe protocol: Chromium started with --remote-debugging-pipe reads commands from its
// file descriptor 3 and writes replies and events to its file descriptor 4. Every message
// is one JSON object followed by a NUL byte ('\0'); there is no other framing.
//   command: {"id": N, "method": "Domain.method", "params": {...}, "sessionId": "..."}
//   reply:   {"id": N, "result": {...}}  or  {"id": N, "error": {"code": C, "message": "..."}}
//   event:   {"method": "Domain.event", "params": {...}, "sessionId": "..."}
// Commands without a sessionId go to the browser target; page commands carry the
// sessionId returned by Target.attachToTarget with flatten:true.
//
// Every wait here has a timeout, so a hung browser fails a test instead of hanging it.

import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STDERR_TAIL_BYTES = 4096;
const CLOSE_GRACE_MS = 5000;

// Resolves/rejects like `promise`, or rejects after `ms` with a message naming `what`
// (a string, or a function producing one when the timeout fires).
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const desc = typeof what === 'function' ? what() : what;
      reject(new Error(`timed out after ${ms} ms waiting for ${desc}`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const shorten = (s, n = 200) => (s.length > n ? `${s.slice(0, n)}...` : s);

// Keys that press() knows besides single printable characters.
const KEYS = {
  Enter: { code: 'Enter', keyCode: 13, text: '\r' },
  Tab: { code: 'Tab', keyCode: 9 },
  Backspace: { code: 'Backspace', keyCode: 8 },
  Escape: { code: 'Escape', keyCode: 27 },
  ' ': { code: 'Space', keyCode: 32, text: ' ' },
  PageUp: { code: 'PageUp', keyCode: 33 },
  PageDown: { code: 'PageDown', keyCode: 34 },
  End: { code: 'End', keyCode: 35 },
  Home: { code: 'Home', keyCode: 36 },
  ArrowLeft: { code: 'ArrowLeft', keyCode: 37 },
  ArrowUp: { code: 'ArrowUp', keyCode: 38 },
  ArrowRight: { code: 'ArrowRight', keyCode: 39 },
  ArrowDown: { code: 'ArrowDown', keyCode: 40 },
  Delete: { code: 'Delete', keyCode: 46 },
};

function keyDefinition(key) {
  if (KEYS[key]) return KEYS[key];
  if (key.length === 1) {
    const upper = key.toUpperCase();
    if (/[A-Z]/.test(upper)) return { code: `Key${upper}`, keyCode: upper.charCodeAt(0), text: key };
    if (/[0-9]/.test(key)) return { code: `Digit${key}`, keyCode: key.charCodeAt(0), text: key };
    return { code: '', keyCode: 0, text: key };
  }
  throw new Error(`press: unknown key ${JSON.stringify(key)}`);
}

export async function launch({
  executable = '/usr/bin/chromium',
  userDataDir,
  width = 1400,
  height = 900,
  timeoutMs = 30000,
} = {}) {
  try {
    accessSync(executable, fsConstants.X_OK);
  } catch {
    throw new Error(
      `chromium is missing: no executable at ${executable}. ` +
        'Install it with `apt-get install chromium` (or run scripts/install-deps.sh).',
    );
  }
  const ownedDir = userDataDir ? null : await mkdtemp(join(tmpdir(), 'cdp-profile-'));
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--disable-dev-shm-usage',
    '--remote-debugging-pipe',
    `--user-data-dir=${userDataDir ?? ownedDir}`,
    `--window-size=${width},${height}`,
    'about:blank',
  ];
  // detached: chromium leads its own process group, so a hung browser and its helper
  // processes (zygote, renderers) can all be killed together in close().
  const proc = spawn(executable, args, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const browser = new Browser(proc, ownedDir, timeoutMs);
  try {
    await browser.send('Browser.getVersion');
  } catch (err) {
    await browser.close();
    throw err;
  }
  return browser;
}

export class Browser {
  constructor(proc, ownedDir, timeoutMs) {
    this.proc = proc;
    this.timeoutMs = timeoutMs;
    this._ownedDir = ownedDir;
    this._nextId = 1;
    this._pending = new Map(); // id -> {resolve, reject, method}
    this._handlers = new Map(); // event method -> Set of handlers
    this._stderrTail = '';
    this._exitError = null;
    this._closing = null;

    // chromium writes little to stdout; drain it so it never blocks.
    proc.stdout.resume();
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      this._stderrTail = (this._stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });

    this._writer = proc.stdio[3];
    this._reader = proc.stdio[4];
    this._writer.on('error', () => {}); // EPIPE after exit: surfaced via the 'exit' handler
    this._reader.on('error', () => {});
    let buffered = Buffer.alloc(0);
    this._reader.on('data', (chunk) => {
      // Split on NUL only on whole buffers so multi-byte UTF-8 is never cut in half.
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      let end;
      while ((end = buffered.indexOf(0)) !== -1) {
        const text = buffered.toString('utf8', 0, end);
        buffered = buffered.subarray(end + 1);
        this._dispatch(text);
      }
    });

    this._exited = new Promise((resolve) => {
      const onGone = (desc) => {
        if (this._exitError) return;
        this._exitError = new Error(`chromium ${desc}${this._stderrSuffix()}`);
        for (const { reject, method } of this._pending.values()) {
          reject(new Error(`${method}: ${this._exitError.message}`));
        }
        this._pending.clear();
        resolve();
      };
      proc.on('exit', (code, signal) => onGone(`exited (code ${code}, signal ${signal})`));
      proc.on('error', (err) => onGone(`failed to start: ${err.message}`));
    });
  }

  _stderrSuffix() {
    const tail = this._stderrTail.trim();
    return tail ? `\n--- chromium stderr (tail) ---\n${tail}` : '';
  }

  _dispatch(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return; // not expected from chromium; ignore rather than crash the reader
    }
    if (msg.id !== undefined) {
      const call = this._pending.get(msg.id);
      if (!call) return;
      this._pending.delete(msg.id);
      if (msg.error) {
        const data = msg.error.data ? ` (${msg.error.data})` : '';
        call.reject(new Error(`${call.method}: ${msg.error.message}${data}`));
      } else {
        call.resolve(msg.result ?? {});
      }
    } else if (msg.method) {
      for (const handler of this._handlers.get(msg.method) ?? []) {
        handler(msg.params ?? {}, msg.sessionId);
      }
    }
  }

  // Sends a command; resolves with its result. sessionId targets an attached page.
  send(method, params = {}, sessionId = undefined) {
    if (this._exitError) return Promise.reject(new Error(`${method}: ${this._exitError.message}`));
    const id = this._nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    const reply = new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject, method });
    });
    this._writer.write(`${JSON.stringify(message)}\0`);
    return withTimeout(reply, this.timeoutMs, () => `reply to ${method}${this._stderrSuffix()}`).finally(
      () => this._pending.delete(id),
    );
  }

  // Subscribes to an event; handler(params, sessionId). Returns an unsubscribe function.
  on(method, handler) {
    if (!this._handlers.has(method)) this._handlers.set(method, new Set());
    this._handlers.get(method).add(handler);
    return () => this._handlers.get(method)?.delete(handler);
  }

  // Opens a new tab and attaches to it (flattened session), with Page and Runtime enabled.
  async newPage() {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, targetId, sessionId);
    await page.send('Page.enable');
    await page.send('Page.setLifecycleEventsEnabled', { enabled: true });
    await page.send('Runtime.enable');
    return page;
  }

  // Closes the browser (killing it if it lingers) and removes the profile dir it created.
  // Safe to call more than once.
  close() {
    this._closing ??= (async () => {
      if (!this._exitError) {
        // The reply may never come: chromium can exit before answering.
        this.send('Browser.close').catch(() => {});
        await Promise.race([this._exited, sleep(CLOSE_GRACE_MS)]);
      }
      if (!this._exitError) {
        try {
          process.kill(-this.proc.pid, 'SIGKILL'); // the whole process group
        } catch {
          this.proc.kill('SIGKILL');
        }
        await Promise.race([this._exited, sleep(CLOSE_GRACE_MS)]);
      }
      if (this._ownedDir) {
        await rm(this._ownedDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
      }
    })();
    return this._closing;
  }
}

export class Page {
  constructor(browser, targetId, sessionId) {
    this.browser = browser;
    this.targetId = targetId;
    this.sessionId = sessionId;
  }

  // Sends a command to this page's session.
  send(method, params = {}) {
    return this.browser.send(method, params, this.sessionId);
  }

  // Subscribes to an event of this page only. Returns an unsubscribe function.
  on(method, handler) {
    return this.browser.on(method, (params, sessionId) => {
      if (sessionId === this.sessionId) handler(params);
    });
  }

  // Navigates and waits for the load event of the new document. The wait matches the
  // lifecycle 'load' event by loaderId (the same moment as Page.loadEventFired), so a late
  // load event of the previous document cannot end it early.
  async goto(url, timeoutMs = this.browser.timeoutMs) {
    const loaded = new Set();
    let wanted = null;
    let onLoaded = () => {};
    const off = this.on('Page.lifecycleEvent', ({ name, loaderId }) => {
      if (name !== 'load') return;
      loaded.add(loaderId);
      if (loaderId === wanted) onLoaded();
    });
    try {
      const res = await this.send('Page.navigate', { url });
      if (res.errorText) throw new Error(`goto ${url}: ${res.errorText}`);
      if (!res.loaderId) return; // same-document navigation: there is no new load
      wanted = res.loaderId;
      const load = new Promise((resolve) => {
        onLoaded = resolve;
        if (loaded.has(wanted)) resolve();
      });
      await withTimeout(load, timeoutMs, `load event of ${url}`);
    } finally {
      off();
    }
  }

  // Evaluates a JS expression in the page (awaiting promises); returns its value as JSON.
  async evaluate(expression) {
    const res = await this.send('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (res.exceptionDetails) {
      const d = res.exceptionDetails;
      const why = d.exception?.description ?? d.text ?? 'exception';
      throw new Error(`evaluate(${shorten(expression)}) threw: ${why}`);
    }
    return res.result?.value;
  }

  // Presses and releases a key: 'ArrowRight', 'Enter', 'Home', 'a', ...
  async press(key) {
    const { code, keyCode, text } = keyDefinition(key);
    const common = { key, code, windowsVirtualKeyCode: keyCode, nativeVirtualKeyCode: keyCode };
    await this.send('Input.dispatchKeyEvent', {
      type: text ? 'keyDown' : 'rawKeyDown',
      ...common,
      ...(text ? { text, unmodifiedText: text } : {}),
    });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', ...common });
  }

  // Scrolls the first element matching selector into view and left-clicks its center.
  async click(selector) {
    const box = await this.evaluate(`(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) return null;
      el.scrollIntoView({ block: 'center', inline: 'center' });
      const r = el.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height };
    })()`);
    if (!box) throw new Error(`click: no element matches ${selector}`);
    if (box.w === 0 || box.h === 0) throw new Error(`click: element ${selector} has zero size`);
    const { x, y } = box;
    await this.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
    const press = { x, y, button: 'left', clickCount: 1 };
    await this.send('Input.dispatchMouseEvent', { type: 'mousePressed', buttons: 1, ...press });
    await this.send('Input.dispatchMouseEvent', { type: 'mouseReleased', buttons: 0, ...press });
  }

  // Writes a PNG of the viewport to path.
  async screenshot(path) {
    const { data } = await this.send('Page.captureScreenshot', {
      format: 'png',
      captureBeyondViewport: false,
    });
    await writeFile(path, Buffer.from(data, 'base64'));
  }

  // Polls expression every 50 ms until it is truthy; returns its value or throws on timeout.
  async waitFor(expression, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    let lastError = null;
    for (;;) {
      try {
        const value = await this.evaluate(expression);
        if (value) return value;
        lastError = null;
      } catch (err) {
        lastError = err; // e.g. the page is mid-navigation; keep polling
      }
      if (Date.now() >= deadline) {
        const why = lastError ? ` (last error: ${lastError.message})` : '';
        throw new Error(`waitFor: ${shorten(expression)} not truthy after ${timeoutMs} ms${why}`);
      }
      await sleep(50);
    }
  }
}
