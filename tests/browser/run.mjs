// run.mjs - pasted's end-to-end tests in a real browser (issue 3).
//
//   PASTED_URL=http://127.0.0.1:8080 node tests/browser/run.mjs [NAME...]
//
// Drives Debian's Chromium (/usr/bin/chromium, headless) with playwright-core
// against a running pasted at PASTED_URL (tests/run.sh starts one). Pastes are
// made through the browser form or with the real curl binary. The tests run
// one after another, each in a fresh browser context (no cookies, cache or
// storage shared; a test opens more, as fresh, with fresh()); each prints
// `ok - NAME` or `FAIL - NAME: reason` and saves a screenshot to
// tests/out/screenshots/NAME.png ($TEST_OUT/screenshots when TEST_OUT is set).
// The WebSocket tests (ws_*) speak to GET /ws with the `ws` package from npm.
// The encrypted-paste tests run PrivateBin's client too: PBINCLI is the path
// of a pbincli executable (tests/run.sh exports it); without it they fail.
// The last line is `N passed, N failed`; the exit status is 1 when anything
// failed. Names on the command line run only those.
//
// Every test also fails on a JavaScript error in a page or a Content
// Security Policy violation, so the pages stay clean under the strict CSP.

import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.PASTED_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const OUT = process.env.TEST_OUT || path.resolve(HERE, '../out');
const SHOTS = path.join(OUT, 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TEST_TIMEOUT_MS = 45000;

// ---------------------------------------------------------------- helpers

class Failure extends Error {}
function check(cond, message) { if (!cond) throw new Failure(message); }
function eq(actual, expected, what) {
  if (actual !== expected)
    throw new Failure(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const unique = (prefix) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

// Run the real curl; resolves { status, headers (lower-case names), body }.
function curl(args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', '-D', '-', '--max-time', '10', ...args],
      { maxBuffer: 8 << 20, encoding: 'latin1' }, (err, stdout, stderr) => {
        if (err) return reject(new Failure(`curl ${args.join(' ')}: ${stderr || err.message}`));
        // the last header block (after any 100 Continue) then the body
        let rest = stdout, status = 0, headers = {};
        for (;;) {
          const end = rest.indexOf('\r\n\r\n');
          if (!/^HTTP\//.test(rest) || end < 0) break;
          const lines = rest.slice(0, end).split('\r\n');
          status = parseInt(lines[0].split(' ')[1], 10);
          headers = {};
          for (const l of lines.slice(1)) {
            const i = l.indexOf(':');
            if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
          }
          rest = rest.slice(end + 4);
          if (status !== 100) break;
        }
        resolve({ status, headers, body: Buffer.from(rest, 'latin1').toString('utf8') });
      });
    if (input !== undefined) child.stdin.end(input);
  });
}

// Make a paste with curl as a multipart form post; fields as in the form.
// Resolves { id, url, location, status }.
async function makePaste(fields) {
  const args = ['-X', 'POST'];
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'content') continue;
    args.push('--form-string', `${k}=${v}`);
  }
  args.push('-F', 'content=<-', `${BASE}/`);
  const r = await curl(args, fields.content);
  check(r.status === 201 || r.status === 303, `creating a paste: HTTP ${r.status} ${r.body.slice(0, 200)}`);
  const location = r.headers.location || r.body.trim();
  const m = /\/([A-Za-z0-9]+)(?:\?.*)?$/.exec(location);
  check(m, `creating a paste: no id in Location ${JSON.stringify(location)}`);
  return { id: m[1], url: `${BASE}/${m[1]}`, location, status: r.status };
}

function pasteIdFrom(url) {
  const m = /^[a-z]+:\/\/[^/]+\/([A-Za-z0-9]+)(\?[^#]*)?(#.*)?$/.exec(url);
  return m ? m[1] : null;
}

// Wait until app.js has highlighted #code; say why not otherwise.
async function waitHighlighted(page) {
  try {
    await page.waitForSelector('table.code.hljs', { timeout: 5000 });
  } catch (e) {
    const why = await page.evaluate(() => {
      if (typeof window.hljs === 'undefined') return 'highlight.js is not loaded (not embedded? see Makefile ASSETS)';
      const t = document.getElementById('code');
      return t ? `the code was not highlighted (class "${t.className}")` : 'no #code table';
    }).catch(() => 'the page is gone');
    throw new Failure(why);
  }
}

async function rowClasses(page) {
  return page.$$eval('table.code tr', (rows) => rows.map((r) => r.classList.contains('hl')));
}

// ---------------------------------------------------------------- the tests

const SAMPLE_PY = [
  'import os',
  'def greet(name):',
  '    """Say hello.',
  '    Spans three lines."""',
  '    return f"hello {name}"  # a comment',
  '',
  'class Box:',
  '    pass',
].join('\n') + '\n';

const tests = [];
function test(name, fn, opts = {}) { tests.push({ name, fn, opts }); }

test('form_submit', async ({ page }) => {
  const title = unique('form');
  await page.goto(`${BASE}/`);
  await page.fill('#content', SAMPLE_PY);
  await page.fill('#title', title);
  await page.selectOption('#lang', 'python');
  await Promise.all([page.waitForURL(/\/[A-Za-z0-9]+$/), page.click('button[type=submit]')]);
  check(pasteIdFrom(page.url()), `landed on ${page.url()}, not a paste page`);
  eq(await page.textContent('h1'), title, 'page title');
  eq(await page.locator('table.code tr').count(), 8, 'number of code lines');
  eq(await page.textContent('#L2 td.lc'), 'def greet(name):', 'line 2');
  const meta = await page.textContent('.paste-head .meta');
  check(/python/i.test(meta) && /\d+(\.\d)? (B|KiB)/.test(meta) && /\d+ views?/.test(meta), `meta line: ${meta}`);
  check(await page.locator('.paste-head time[datetime]').count() >= 1, 'no <time datetime> for created');
});

test('form_ctrl_enter', async ({ page }) => {
  await page.goto(`${BASE}/`);
  await page.fill('#content', 'typed, then Ctrl+Enter\nsecond line\n');
  await page.focus('#content');
  await Promise.all([page.waitForURL(/\/[A-Za-z0-9]+$/), page.keyboard.press('Control+Enter')]);
  check(pasteIdFrom(page.url()), `landed on ${page.url()}`);
  eq(await page.textContent('#L1 td.lc'), 'typed, then Ctrl+Enter', 'line 1');
});

test('form_without_js', async ({ page }) => {
  await page.goto(`${BASE}/`);
  eq(await page.evaluate(() => document.documentElement.classList.contains('js')), false, 'app.js ran');
  await page.fill('#content', 'made with JavaScript off\n<b>not bold</b>\n');
  await page.fill('#title', 'no js');
  await Promise.all([page.waitForURL(/\/[A-Za-z0-9]+$/), page.click('button[type=submit]')]);
  eq(await page.textContent('#L2 td.lc'), '<b>not bold</b>', 'line 2 as text');
  eq(await page.locator('#L2 td.ln a[href="#L2"]').count(), 1, 'line 2 anchor');
  await page.goto(page.url() + '#L2');
  const bg = await page.$eval('#L2 td.lc', (e) => getComputedStyle(e).backgroundColor);
  const bg1 = await page.$eval('#L1 td.lc', (e) => getComputedStyle(e).backgroundColor);
  check(bg !== bg1, 'without JS, :target does not mark #L2');
}, { context: { javaScriptEnabled: false } });

test('diff_from_new_paste_from_this', async ({ page }) => {
  const p = await makePaste({ content: 'line one\nline two\nline three\n', title: unique('parent') });
  await page.goto(p.url);
  await Promise.all([page.waitForURL(/\?from=/), page.click('a[href^="/?from="]')]);
  await page.fill('#content', 'line one\nline 2\nline three\n');
  await Promise.all([page.waitForURL(/\/[A-Za-z0-9]+$/), page.click('#paste-form button[type=submit]')]);
  const child = pasteIdFrom(page.url());
  check(child && child !== p.id, `landed on ${page.url()}`);
  check(/Changed from/.test(await page.textContent('li.parent')), 'no "Changed from" on the new paste');
  await Promise.all([page.waitForURL(/\/diff\//), page.click('li.parent a[href^="/diff/"]')]);
  eq(await page.locator('table.diff tr.del').count(), 1, 'removed lines');
  eq(await page.locator('table.diff tr.add').count(), 1, 'added lines');
  eq((await page.textContent('table.diff tr.add td.lc')), 'line 2', 'the added line');
  await Promise.all([page.waitForURL(new RegExp(`/${child}#L2$`)), page.click('table.diff tr.add td.ln a')]);
  eq(await page.textContent('#L2 td.lc'), 'line 2', 'the line the number links to');
});

// --- GET /ws (websocket.c), with a real client library ---------------------

// A socket to /ws whose messages (parsed) collect in .got; resolves once open.
function openWs(headers = {}, base = BASE) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws', { headers });
    ws.got = [];
    ws.on('message', (m) => { try { ws.got.push(JSON.parse(String(m))); } catch { ws.got.push(String(m)); } });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function until(cond, what, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = cond();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const closed = (ws) => new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));

test('ws_new_pastes_live', async () => {
  const ws = await openWs();
  try {
    await until(() => ws.got.find((m) => m.type === 'hello' && m.v === 1), 'hello');
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'new' }));
    await until(() => ws.got.find((m) => m.type === 'subscribed' && m.channel === 'new'), 'subscribed');
    const hidden = await makePaste({ content: 'not for the feed\n', unlisted: '1' });
    const p = await makePaste({ content: 'for the feed\n', title: unique('ws') });
    const ev = await until(() => ws.got.find((m) => m.type === 'paste' && m.paste && m.paste.id === p.id), 'the paste event');
    eq(ev.v, 1, 'version');
    check(!ws.got.some((m) => m.type === 'paste' && m.paste && m.paste.id === hidden.id), 'an unlisted paste was sent');
    // ping as the protocol has it, and as a WebSocket frame
    ws.send(JSON.stringify({ type: 'ping' }));
    await until(() => ws.got.find((m) => m.type === 'pong'), 'pong');
    const pong = new Promise((resolve) => ws.once('pong', resolve));
    ws.ping();
    await pong;
    ws.send(JSON.stringify({ type: 'unsubscribe', channel: 'new' }));
    await until(() => ws.got.find((m) => m.type === 'unsubscribed'), 'unsubscribed');
    const after = await makePaste({ content: 'after unsubscribing\n' });
    await sleep(600);
    check(!ws.got.some((m) => m.type === 'paste' && m.paste && m.paste.id === after.id), 'sent after unsubscribing');
  } finally {
    ws.close();
  }
});

test('ws_bad_input_and_limits', async () => {
  let ws = await openWs();
  ws.send('not json');
  ws.send(JSON.stringify({ type: 'subscribe', channel: 'paste:nope' }));
  await until(() => ws.got.filter((m) => m.type === 'error').length === 2, 'two errors');
  let c = closed(ws);
  ws.send('x'.repeat(5000));                         // over the 4 KiB message limit
  eq((await c).code, 1009, 'oversize message: close code');
  ws = await openWs();
  c = closed(ws);
  ws.send(Buffer.from([1, 2, 3]));                    // binary
  eq((await c).code, 1003, 'binary message: close code');
  // another site's page may not open it; a plain GET is told what this is
  let refused = '';
  try { (await openWs({ Origin: 'http://evil.example' })).close(); } catch (e) { refused = e.message; }
  eq(refused, 'HTTP 403', 'a foreign Origin');
  const r = await curl([`${BASE}/ws`]);
  eq(r.status, 426, 'a plain GET');
});

// --- a paste followed live: presence and view counts (websocket.c, app/live.c) --------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Another pasted on the same Redis and MongoDB (tests/run.sh exports where they are),
// with settings from env (PASTED_<KEY>). Resolves { url, child, kill(), stop() }; stop()
// ends it with SIGTERM and fails on a bad exit or a sanitizer report in its log.
async function startPasted(env = {}) {
  for (const v of ['PASTED_BIN', 'REDIS_URL', 'MONGO_URI'])
    check(process.env[v], `${v} is not set (tests/run.sh exports it)`);
  const port = await freePort();
  const logPath = path.join(OUT, `pasted-second-${port}.log`);
  const log = openSync(logPath, 'w');
  const args = process.env.PASTED_CONF ? ['-c', process.env.PASTED_CONF] : [];
  const child = spawn(process.env.PASTED_BIN, args, {
    env: { ...process.env, PORT: String(port), PASTED_NC_PORT: '0', ...env }, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const server = {
    url, child,
    kill() { child.kill('SIGKILL'); return exited; },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const { code } = await Promise.race([exited, sleep(15000).then(() => ({ code: 'timeout' }))]);
      if (code === 'timeout') child.kill('SIGKILL');
      const text = readFileSync(logPath, 'utf8');
      check(!/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(text), `a sanitizer report in ${logPath}`);
      eq(code, 0, `the second pasted's exit status (log ${logPath})`);
    },
  };
  const end = Date.now() + 30000;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Failure(`the second pasted exited at start (log ${logPath})`);
    try { if ((await fetch(`${url}/healthz`)).status === 200) return server; } catch { /* not yet */ }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Failure(`the second pasted did not answer /healthz (log ${logPath})`);
}

const follow = (id, tab) => JSON.stringify({ type: 'subscribe', channel: `paste:${id}`, ...(tab ? { tab } : {}) });
const last = (ws, type, id) => {
  const m = ws.got.filter((x) => x.type === type && x.id === id).pop();
  return m ? m[type] : undefined;
};

test('ws_paste_live_across_instances', async () => {
  const other = await startPasted();
  let a, b;
  try {
    const p = await makePaste({ content: 'followed live\n', title: unique('live') });
    a = await openWs();
    b = await openWs({}, other.url);
    a.send(follow(p.id, unique('tab-a')));
    const sub = await until(() => a.got.find((m) => m.type === 'subscribed' && m.channel === `paste:${p.id}`), 'subscribed');
    eq(sub.views, 0, 'the total when subscribing');
    await until(() => last(a, 'viewing', p.id) === 1, 'a alone viewing');
    b.send(follow(p.id, unique('tab-b')));
    await until(() => last(a, 'viewing', p.id) === 2 && last(b, 'viewing', p.id) === 2, 'two viewing, on both instances');
    // views on either instance count up live on both
    await curl([`${BASE}/raw/${p.id}`]);
    await curl(['-H', 'Accept: text/html', `${other.url}/${p.id}`]);
    await until(() => last(a, 'views', p.id) === 2 && last(b, 'views', p.id) === 2, 'the views on both');
    // the same tab again (a reload) is still one viewer; without a tab, a watcher only
    const c = await openWs();
    c.send(follow(p.id));
    await until(() => last(c, 'viewing', p.id) === 2, 'a watcher counts, and is not counted');
    c.close();
    // an instance that dies takes its viewers along within 2.5 heartbeats (presence_interval 1 s)
    const t0 = Date.now();
    await other.kill();
    await until(() => last(a, 'viewing', p.id) === 1, 'the dead instance\'s viewer dropping out', 8000);
    console.log(`  # the dead instance's viewer dropped out after ${Date.now() - t0} ms`);
    // closing the tab: out at once, seen by a watcher
    const w = await openWs();
    w.send(follow(p.id));
    await until(() => last(w, 'viewing', p.id) === 1, 'the watcher sees one');
    const t1 = Date.now();
    a.close();
    await until(() => last(w, 'viewing', p.id) === 0, 'a closed tab leaving', 3000);
    console.log(`  # a closed tab left after ${Date.now() - t1} ms`);
    w.close();
  } finally {
    a?.close();
    b?.terminate();
    await other.kill();
  }
});

test('ws_paste_follow_refusals', async () => {
  const ws = await openWs();
  try {
    const burn = await makePaste({ content: 'read once\n', burn: '1' });
    ws.send(follow(burn.id, unique('tab')));
    const e1 = await until(() => ws.got.find((m) => m.type === 'error' && m.channel === `paste:${burn.id}`), 'burn refused');
    check(/limited reads/.test(e1.message), `burn paste: ${e1.message}`);
    ws.send(follow('AAAAAAA', unique('tab')));            // well-formed, made by no one
    await until(() => ws.got.find((m) => m.type === 'error' && m.channel === 'paste:AAAAAAA'), 'no such paste');
    const p = await makePaste({ content: 'followed\n' });
    for (const tab of ['short', 'x'.repeat(65), 'with space!', 42]) {
      const before = ws.got.length;
      ws.send(JSON.stringify({ type: 'subscribe', channel: `paste:${p.id}`, tab }));
      await until(() => ws.got.slice(before).find((m) => m.type === 'error'), `bad tab ${JSON.stringify(tab)}`);
    }
    // at most 8 pastes per socket
    const ids = [];
    for (let i = 0; i < 9; i++) ids.push((await makePaste({ content: `paste ${i}\n` })).id);
    for (const id of ids) ws.send(follow(id));
    await until(() => ws.got.filter((m) => m.type === 'subscribed' && ids.includes(m.channel.slice(6))).length === 8, 'eight followed');
    await until(() => ws.got.find((m) => m.type === 'error' && /at most 8/.test(m.message)), 'the ninth refused');
    // the burn paste was never read by any of this
    const r = await curl([`${BASE}/raw/${burn.id}`]);
    eq(r.status, 200, 'the burn paste still reads once');
  } finally {
    ws.close();
  }
});

test('presence_two_contexts', async ({ page, fresh }) => {
  const p = await makePaste({ content: 'two people look at this\n', title: unique('presence') });
  const viewing = (pg, text) => pg.waitForFunction((t) => {
    const e = document.getElementById('viewing');
    return e && !e.hidden && e.textContent === t;
  }, text, { timeout: 8000 });
  await page.goto(p.url);
  await viewing(page, '1 viewing now');
  eq(await page.textContent('#views'), '1 view', 'the count at load');
  const other = await fresh();
  await other.page.goto(p.url);
  await viewing(other.page, '2 viewing now');
  await viewing(page, '2 viewing now');
  // the second visit counts, and the first page sees it without a reload
  await page.waitForFunction(() => document.getElementById('views').textContent === '2 views', null, { timeout: 8000 });
  await other.page.reload();                      // the same tab: still two, now three views
  await viewing(other.page, '2 viewing now');
  await page.waitForFunction(() => document.getElementById('views').textContent === '3 views', null, { timeout: 8000 });
  await other.context.close();
  await viewing(page, '1 viewing now');
});

test('presence_without_js', async ({ page }) => {
  const p = await makePaste({ content: 'no script here\n' });
  await page.goto(p.url);
  eq(await page.textContent('#views'), '1 view', 'the count at load');
  eq(await page.isHidden('#viewing'), true, 'the live item stays hidden');
}, { context: { javaScriptEnabled: false } });

// A frame sent in the same packet as the handshake (a client that does not wait for the 101)
// is read after the take-over: answered, not lost, and no crash (the session outlives it).
test('ws_frame_with_the_handshake', async () => {
  const url = new URL(BASE);
  const key = Buffer.from(Array.from({ length: 16 }, (_, i) => i + 1)).toString('base64');
  const text = Buffer.from(JSON.stringify({ type: 'ping' }));
  const mask = Buffer.from([1, 2, 3, 4]);
  const frame = Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask,
                               Buffer.from(text.map((b, i) => b ^ mask[i % 4]))]);
  const head = `GET /ws HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
               `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`;
  const got = await new Promise((resolve, reject) => {
    const sock = net.connect(Number(url.port), url.hostname, () => sock.write(Buffer.concat([Buffer.from(head), frame])));
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const s = buf.toString('latin1');
      if (s.includes('"hello"') && s.includes('"pong"')) { sock.destroy(); resolve(s); }
    });
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); resolve(buf.toString('latin1')); }, 3000);
  });
  check(/^HTTP\/1\.1 101 /.test(got), `the answer: ${got.slice(0, 80)}`);
  check(got.indexOf('"hello"') >= 0 && got.indexOf('"pong"') > got.indexOf('"hello"'), `hello, then pong: ${JSON.stringify(got.slice(0, 300))}`);
  eq((await fetch(`${BASE}/healthz`)).status, 200, 'the server after it');
});

// Subscribing costs the store and Redis something: a socket may ask 16 times at once, then once
// a second.
test('ws_subscriptions_are_budgeted', async () => {
  const ws = await openWs();
  try {
    const p = await makePaste({ content: 'asked for too often\n' });
    const slow = () => ws.got.filter((m) => m.type === 'error' && /slow down/.test(m.message)).length;
    const answered = () => ws.got.filter((m) => m.type === 'subscribed' || (m.type === 'error' && !/slow down/.test(m.message))).length;
    for (let i = 0; i < 20; i++) ws.send(follow(p.id, `tab-${i}-budgeted`));
    await until(() => slow() === 4 && answered() === 16, 'sixteen answered, four refused');
    check(ws.got.filter((m) => m.type === 'subscribed').length >= 8, 'at least eight subscribed');
    await sleep(1100);
    ws.send(JSON.stringify({ type: 'unsubscribe', channel: `paste:${p.id}` }));
    await until(() => ws.got.find((m) => m.type === 'unsubscribed'), 'unsubscribed, after a second');
    eq(slow(), 4, 'refused after a second');
  } finally {
    ws.close();
  }
});

// A slow reader is dropped, not buffered without bound: it pings and never reads the pongs.
test('ws_slow_reader_dropped', async () => {
  const ws = await openWs();
  await until(() => ws.got.length, 'hello');
  let pongs = 0;
  ws.on('pong', () => { pongs++; });
  const gone = closed(ws);
  ws._socket.pause();                              // read nothing from now on
  const payload = Buffer.alloc(125, 120);
  const sent = 80000;                              // 10 MiB of pongs owed: more than any socket buffers
  for (let i = 0; i < sent; i++) ws.ping(payload);
  await sleep(1500);
  ws._socket.resume();
  await withTimeout(gone, 10000);
  check(pongs < sent, `all ${sent} pongs arrived: the reader was buffered, not dropped`);
  console.log(`  # dropped after ${pongs} of ${sent} pongs`);
});

// 1,000 idle sockets on one instance: each costs little, the cap holds the next, all get events.
test('ws_thousand_idle_sockets', async () => {
  const n = 1000;
  const other = await startPasted({ PASTED_WS_MAX_SOCKETS: String(n) });
  const sockets = [];
  try {
    const rss = () => parseInt(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${other.child.pid}/status`, 'utf8'))[1], 10);
    const before = rss();
    for (let i = 0; i < n; i += 100)
      sockets.push(...await Promise.all(Array.from({ length: 100 }, () => openWs({}, other.url))));
    let refused = '';
    try { (await openWs({}, other.url)).close(); } catch (e) { refused = e.message; }
    eq(refused, 'HTTP 503', `socket ${n + 1}`);
    const metrics = await (await fetch(`${other.url}/metrics`)).text();
    check(new RegExp(`^pasted_websockets ${n}$`, 'm').test(metrics), 'pasted_websockets in /metrics');
    const perSocket = (rss() - before) * 1024 / n;
    console.log(`  # ${n} idle sockets: ${Math.round(perSocket)} bytes of server memory each`);
    check(perSocket < 64 * 1024, `${Math.round(perSocket)} bytes per idle socket`);
    for (const ws of sockets) ws.send(JSON.stringify({ type: 'subscribe', channel: 'new' }));
    await until(() => sockets.every((ws) => ws.got.some((m) => m.type === 'subscribed')), 'all subscribed', 10000);
    const p = await makePaste({ content: 'to a thousand sockets\n', title: unique('many') });
    const t0 = Date.now();
    await until(() => sockets.every((ws) => ws.got.some((m) => m.type === 'paste' && m.paste.id === p.id)),
                'the paste on every socket', 10000);
    console.log(`  # the new paste reached all ${n} sockets in ${Date.now() - t0} ms`);
    // all of them follow it; one view of it reaches every follower
    for (const ws of sockets) ws.send(follow(p.id));
    await until(() => sockets.every((ws) => ws.got.some((m) => m.type === 'subscribed' && m.channel === `paste:${p.id}`)),
                'all following the paste', 10000);
    const t1 = Date.now();
    await curl([`${other.url}/raw/${p.id}`]);
    await until(() => sockets.every((ws) => last(ws, 'views', p.id) === 1), 'the view on every follower', 10000);
    console.log(`  # one view reached all ${n} followers in ${Date.now() - t1} ms (the view batch is 50 ms here)`);
    eq((await fetch(`${other.url}/healthz`)).status, 200, 'healthz with the sockets open');
  } finally {
    for (const ws of sockets) ws.terminate();
    await other.stop();
  }
});

test('stats_chart', async ({ page }) => {
  const p = await makePaste({ content: 'seen by day\n', title: unique('stats') });
  await page.goto(p.url);
  await Promise.all([page.waitForURL(/\/stats$/), page.click('.actions a[href$="/stats"]')]);
  const svg = page.locator('figure.chart svg[role="img"]');
  eq(await svg.count(), 1, 'one chart');
  check(await svg.isVisible(), 'the chart is not visible');
  const box = await svg.boundingBox();
  check(box && box.width > 300 && box.height > 80, `chart size ${JSON.stringify(box)}`);
  eq(await page.locator('figure.chart rect.bar').count(), 7, 'a bar per day of the first week');
  check(/1 in all/.test(await page.textContent('#reads-desc')), 'description with the total');
  check(/^Views in all\s*1$/.test((await page.textContent('.stats-numbers')).split('Made')[0].trim()),
        'the total on the page');
  await page.click('.chart-table summary');
  check(await page.locator('.chart-table td').first().isVisible(), 'the table opens');
});

test('shorten_link_without_js', async ({ page }) => {
  const target = `https://example.org/${unique('path')}?q=1&x="<b>"`;
  await page.goto(`${BASE}/`);
  await page.fill('#shorten-url', target);
  await Promise.all([page.waitForURL(/\/[A-Za-z0-9]+\+$/), page.click('#shorten button[type=submit]')]);
  const shown = 'https://example.org/' + target.slice(20).replace(/"/g, '%22').replace(/</g, '%3C').replace(/>/g, '%3E');
  eq(await page.textContent('.link-target a'), shown, 'the target, shown as text');
  eq(await page.getAttribute('.link-target a', 'href'), shown, 'the target, as the link');
  const short = await page.inputValue('#share-url');
  check(/\/[A-Za-z0-9]+$/.test(short) && page.url() === short + '+', `share ${short} vs page ${page.url()}`);
  const r = await page.request.get(short, { maxRedirects: 0 });
  eq(r.status(), 302, 'the short link redirects');
  eq(r.headers()['location'], shown, 'to the target');
  check(/1 click\b/.test(await (await page.request.get(short + '+', { headers: { Accept: 'text/html' } })).text()),
        'the click was counted, the previews were not');
}, { context: { javaScriptEnabled: false } });

test('highlighted', async ({ page }) => {
  const p = await makePaste({ content: SAMPLE_PY, title: 'highlight me', lang: 'python' });
  await page.goto(p.url);
  await waitHighlighted(page);
  check(await page.locator('#L1 .hljs-keyword').count() > 0, 'no .hljs-keyword on line 1 (import)');
  check(await page.locator('#L2 .hljs-title').count() > 0, 'no .hljs-title on line 2 (def greet)');
  // the docstring spans lines 3-4: both lines carry a string span, the line structure holds
  for (const n of [3, 4])
    check(await page.locator(`#L${n} .hljs-string`).count() > 0, `line ${n} (inside a docstring) is not a string`);
  eq(await page.locator('#L5 .hljs-comment').count(), 1, 'comment spans on line 5');
  eq(await page.locator('table.code tr').count(), 8, 'line count after highlighting');
  eq(await page.textContent('#L4 td.lc'), '    Spans three lines."""', 'line 4 text after highlighting');
});

test('highlight_auto_detect', async ({ page }) => {
  const c = '#include <stdio.h>\n\n/* a comment\n   over two lines */\nint main(void)\n{\n' +
            '    printf("hi\\n");\n    return 0;\n}\n';
  const p = await makePaste({ content: c, title: 'no language given' });
  await page.goto(p.url);
  await waitHighlighted(page);
  const lang = await page.getAttribute('table.code', 'data-highlighted');
  check(lang === 'c' || lang === 'cpp', `detected ${lang}, expected c or cpp`);
  check(await page.locator('#L4 .hljs-comment').count() > 0, 'line 4 (inside a block comment) is not a comment');
  check(/detected/.test(await page.textContent('#lang-name')), 'the detected language is not shown');
});

// Short texts without a language (app.js, detectLanguage): highlight.js's own guess took this
// function for Kotlin and these sentences for VB.NET; the first is Python, the second plain text.
test('highlight_auto_detect_short', async ({ page }) => {
  const py = 'def greet(name):\n    if not name:\n        return "Hello, stranger"\n    return "Hello, " + name\n';
  const p = await makePaste({ content: py, title: 'short snippet' });
  await page.goto(p.url);
  await waitHighlighted(page);
  eq(await page.getAttribute('table.code', 'data-highlighted'), 'python', 'the language detected');
  eq(await page.textContent('#lang-name'), 'Python (detected)', 'the language shown');
  check(await page.locator('#L1 .hljs-keyword').count() > 0, 'def on line 1 is not a keyword');
  check(await page.locator('#L3 .hljs-string').count() > 0, 'no string on line 3');

  // English that uses import, print, function, while and return as words
  const prose = 'Remember to import the photos from the trip and print the best ones.\n' +
                'The function is on Saturday, so we have until Friday to finish.\n' +
                'While you are at it, could you return the camera to Ann?\n';
  const q = await makePaste({ content: prose, title: 'a note' });
  await page.goto(q.url);
  await page.waitForSelector('table.code.plain', { timeout: 5000 });
  eq(await page.getAttribute('table.code', 'data-highlighted'), null, 'a language detected in prose');
  eq(await page.textContent('#lang-name'), 'Plain text', 'the language shown for prose');
  eq(await page.locator('table.code [class^="hljs-"]').count(), 0, 'highlighted spans in prose');
});

test('line_anchor', async ({ page }) => {
  const p = await makePaste({ content: 'one\ntwo\nthree\nfour\nfive\n', lang: 'plaintext' });
  await page.goto(`${p.url}#L2`);
  await page.waitForSelector('#L2.hl');
  eq(JSON.stringify(await rowClasses(page)), JSON.stringify([false, true, false, false, false]), 'marked rows');
  // a click on a line number moves the mark
  await page.click('#L4 td.ln a');
  await page.waitForSelector('#L4.hl');
  eq(new URL(page.url()).hash, '#L4', 'hash after a click');
  eq(JSON.stringify(await rowClasses(page)), JSON.stringify([false, false, false, true, false]), 'rows after a click');
});

test('line_range', async ({ page }) => {
  const p = await makePaste({ content: 'a\nb\nc\nd\ne\nf\n', lang: 'plaintext' });
  await page.goto(`${p.url}#L2-L4`);
  await page.waitForSelector('#L4.hl');
  eq(JSON.stringify(await rowClasses(page)), JSON.stringify([false, true, true, true, false, false]), 'rows for #L2-L4');
  // hashchange
  await page.evaluate(() => { location.hash = '#L5'; });
  await page.waitForSelector('#L5.hl');
  eq(JSON.stringify(await rowClasses(page)), JSON.stringify([false, false, false, false, true, false]), 'rows after hashchange to #L5');
  // shift-click extends from the marked line
  await page.click('#L2 td.ln a', { modifiers: ['Shift'] });
  await page.waitForSelector('#L3.hl');
  eq(new URL(page.url()).hash, '#L2-L5', 'hash after shift-click');
  eq(JSON.stringify(await rowClasses(page)), JSON.stringify([false, true, true, true, true, false]), 'rows after shift-click');
});

test('raw_and_download', async ({ page, context }) => {
  const content = 'raw bytes: <&>\ttab\nünïcödé\n';
  const p = await makePaste({ content, title: 'raw me', lang: 'plaintext' });
  await page.goto(p.url);
  const rawHref = await page.getAttribute('a[href^="/raw/"]:not([href*="download"])', 'href');
  eq(rawHref, `/raw/${p.id}`, 'raw link');
  const dlHref = await page.getAttribute('a[href*="download=1"]', 'href');
  eq(dlHref, `/raw/${p.id}?download=1`, 'download link');
  await Promise.all([page.waitForURL(`${BASE}/raw/${p.id}`), page.click(`a[href="${rawHref}"]`)]);
  eq((await page.evaluate(() => document.body.innerText)).replace(/\n$/, ''), content.replace(/\n$/, ''), 'raw page text');
  const raw = await context.request.get(`${BASE}${rawHref}`);
  eq(await raw.text(), content, 'raw body');
  check(/^text\/plain/.test(raw.headers()['content-type'] || ''), `raw content-type ${raw.headers()['content-type']}`);
  const dl = await context.request.get(`${BASE}${dlHref}`);
  const cd = dl.headers()['content-disposition'] || '';
  check(/^attachment\b/i.test(cd), `download Content-Disposition is ${JSON.stringify(cd)}`);
  eq(await dl.text(), content, 'download body');
  // and a click on the link really downloads
  await page.goto(p.url);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`a[href="${dlHref}"]`)]);
  check(download.suggestedFilename().length > 0, 'download without a file name');
}, { context: { acceptDownloads: true } });

test('copy_button', async ({ page, context }) => {
  const content = 'copy me\r\nwindows line\r\n';
  const p = await makePaste({ content, lang: 'plaintext' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  await page.goto(p.url);
  await page.click('#copy');
  await page.waitForSelector('#copy.done');
  eq(await page.evaluate(() => navigator.clipboard.readText()), content, 'clipboard');
});

test('new_paste_from_this', async ({ page }) => {
  const content = '\nstarts with a newline\n  <indented> & "quoted"\n';
  const title = unique('from');
  const p = await makePaste({ content, title, lang: 'rust' });
  await page.goto(p.url);
  const href = await page.getAttribute('a[href^="/?from="]', 'href');
  eq(href, `/?from=${p.id}`, 'link');
  await Promise.all([page.waitForURL(`${BASE}/?from=${p.id}`), page.click(`a[href="${href}"]`)]);
  eq(await page.inputValue('#content'), content, 'pre-filled content');
  eq(await page.inputValue('#title'), title, 'pre-filled title');
  eq(await page.inputValue('#lang'), 'rust', 'pre-selected language');
  // and it makes a new paste
  await page.fill('#title', title + ' (copy)');
  await Promise.all([page.waitForURL(/\/[A-Za-z0-9]+$/), page.click('button[type=submit]')]);
  check(pasteIdFrom(page.url()) && pasteIdFrom(page.url()) !== p.id, `landed on ${page.url()}`);
  eq(await page.textContent('#L3 td.lc'), '  <indented> & "quoted"', 'line 3 of the copy');
});

test('burn_after_reading', async ({ page, context }) => {
  const secret = unique('secret');
  await page.goto(`${BASE}/`);
  await page.fill('#content', `${secret}\n`);
  await page.check('#burn');
  await Promise.all([page.waitForURL(/\/[A-Za-z0-9]+\?created=1$/), page.click('button[type=submit]')]);
  const id = pasteIdFrom(page.url());
  check(id, `landed on ${page.url()}`);
  const landing = await page.textContent('main');
  check(/burn/i.test(landing), 'the landing page does not say it burns');
  check(!landing.includes(secret), 'the landing page shows the content');
  eq(await page.inputValue('#share-url'), `${BASE}/${id}`, 'link on the landing page');
  // the first reader sees it
  const first = await page.goto(`${BASE}/${id}`);
  eq(first.status(), 200, 'first read status');
  eq(await page.textContent('#L1 td.lc'), secret, 'first read content');
  check(/burn/i.test(await page.textContent('main')), 'the first read does not say it burned');
  // the second does not, in any form
  const second = await page.goto(`${BASE}/${id}`);
  check([404, 410].includes(second.status()), `second read: HTTP ${second.status()}`);
  check(!(await page.content()).includes(secret), 'second read shows the content');
  const raw = await context.request.get(`${BASE}/raw/${id}`);
  check([404, 410].includes(raw.status()), `raw after burning: HTTP ${raw.status()}`);
});

test('unlisted_and_recent', async ({ page }) => {
  const listed = unique('listed'), hidden = unique('hidden');
  await makePaste({ content: 'public\n', title: listed, lang: 'plaintext' });
  await makePaste({ content: 'unlisted\n', title: hidden, unlisted: '1' });
  await page.goto(`${BASE}/recent`);
  const text = await page.textContent('main');
  check(text.includes(listed), '/recent lacks a new public paste');
  check(!text.includes(hidden), '/recent shows an unlisted paste');
  await page.goto(`${BASE}/`);
  const box = await page.textContent('#recent-list');
  check(box.includes(listed), 'the home page box lacks a new public paste');
  check(!box.includes(hidden), 'the home page box shows an unlisted paste');
});

test('live_feed', async ({ page }) => {
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#live:not([hidden])', { timeout: 5000 }).catch(() => {
    throw new Failure('the live feed (EventSource /events) did not open');
  });
  const title = unique('live');
  const r = await curl(['-X', 'POST', '--form-string', `title=${title}`, '--form-string', 'lang=go',
                        '-F', 'content=<-', `${BASE}/`], 'package main\n');
  check(r.status === 201 || r.status === 303, `curl create: HTTP ${r.status}`);
  const item = page.locator('#recent-list li', { hasText: title });
  await item.first().waitFor({ timeout: 5000 }).catch(() => {
    throw new Failure('the paste made by curl did not appear in the recent box');
  });
  const href = await item.first().locator('a').getAttribute('href');
  check(/^\/[A-Za-z0-9]+$/.test(href), `item link ${href}`);
  check(/go/.test(await item.first().textContent()), 'the item does not show its language');
});

const XSS = [
  '<script>window.__xss=1;alert(1)</script>',
  '<img src=x onerror="window.__xss=2;alert(2)">',
  '</td></tr></tbody></table><svg onload="window.__xss=3;alert(3)"></svg>',
  '"\'><iframe srcdoc="<script>parent.__xss=4</script>"></iframe>',
  '</span><span onmouseover="window.__xss=5">x</span><!--',
  '</textarea><script>window.__xss=6</script>',
  'javascript:alert(7)',
].join('\n') + '\n';
const XSS_TITLE = '"><img src=x onerror="window.__xss=8;alert(8)"><script>window.__xss=9</script>';
const XSS_LANG = '"><script>window.__xss=10</script>';

async function assertNoXss(page, where, dialogs) {
  await sleep(300);
  eq(dialogs.length, 0, `dialogs on ${where}`);
  eq(await page.evaluate(() => typeof window.__xss), 'undefined', `window.__xss on ${where}`);
  const injected = await page.evaluate(() =>
    // (an encrypted paste's page holds its ciphertext in one <script type="application/json" id="encrypted-paste">)
    document.querySelectorAll('main img, main svg, main iframe, main script:not(#encrypted-paste[type="application/json"]), ' +
                              '[onerror], [onload], [onmouseover]').length);
  eq(injected, 0, `injected elements on ${where}`);
}

test('xss_payloads', async ({ page, context, requests }) => {
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  // 1. through the form, with a language value the select never offers
  await page.goto(`${BASE}/`);
  await page.fill('#content', XSS);
  await page.fill('#title', XSS_TITLE);
  await page.evaluate((lang) => {
    const o = document.createElement('option');
    o.value = lang; o.textContent = 'evil'; o.selected = true;
    document.getElementById('lang').appendChild(o);
  }, XSS_LANG);
  await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), page.click('button[type=submit]')]);
  await assertNoXss(page, 'the answer to a bad lang', dialogs);
  // 2. a paste with the payload in content and title (lang is validated), highlighted as HTML
  const p = await makePaste({ content: XSS, title: XSS_TITLE, lang: 'xml' });
  await page.goto(p.url);
  await waitHighlighted(page);
  await page.hover('#L5 td.lc');
  await assertNoXss(page, 'the paste page', dialogs);
  eq(await page.textContent('h1'), XSS_TITLE, 'title shown as text');
  eq(await page.textContent('#L1 td.lc'), XSS.split('\n')[0], 'line 1 shown as text');
  eq(await page.textContent('#L6 td.lc'), XSS.split('\n')[5], 'line 6 shown as text');
  // 3. auto-detected highlighting of the same text
  const q = await makePaste({ content: XSS, title: XSS_TITLE });
  await page.goto(q.url);
  await sleep(300);
  await assertNoXss(page, 'the auto-detected paste page', dialogs);
  // 4. the form pre-filled from it, /recent, and the home box
  await page.goto(`${BASE}/?from=${p.id}`);
  await assertNoXss(page, '/?from=', dialogs);
  eq(await page.inputValue('#content'), XSS, 'pre-filled payload as text');
  await page.goto(`${BASE}/recent`);
  await assertNoXss(page, '/recent', dialogs);
  // 5. the live feed: a payload title arriving while the home page is open
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#live:not([hidden])', { timeout: 5000 }).catch(() => {});
  await makePaste({ content: XSS, title: XSS_TITLE + ' live', lang: 'xml' });
  await page.locator('#recent-list li', { hasText: 'live' }).first().waitFor({ timeout: 5000 }).catch(() => {});
  await assertNoXss(page, 'the home page with a live item', dialogs);
  check(!requests.some((u) => /\/x$/.test(u)), 'an injected <img src=x> was requested');
});

test('binary_paste', async ({ page }) => {
  const r = await curl(['-X', 'POST', '-F', 'content=@-;filename=blob.bin', `${BASE}/`],
                       Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x00, 0x01, 0x80, 0x81]));
  check(r.status === 201 || r.status === 303, `curl create: HTTP ${r.status}`);
  const id = /\/([A-Za-z0-9]+)\s*$/.exec(r.headers.location || r.body.trim());
  check(id, 'no id');
  await page.goto(`${BASE}/${id[1]}`);
  eq(await page.locator('table.code').count(), 0, 'a code table for binary data');
  check(/binary/i.test(await page.textContent('main')), 'no binary notice');
  eq(await page.locator(`a[href="/raw/${id[1]}?download=1"]`).count() >= 1, true, 'download link');
});

test('expiry_shown', async ({ page }) => {
  await page.goto(`${BASE}/`);
  const values = await page.$$eval('#expire option', (os) => os.map((o) => o.value));
  for (const v of ['10m', '1h', '1d', '1w', '1mo', 'never'])
    check(values.includes(v), `expiry choice ${v} missing (have ${values.join(' ')})`);
  await page.fill('#content', 'short-lived\n');
  await page.selectOption('#expire', '1h');
  await Promise.all([page.waitForURL(/\/[A-Za-z0-9]+$/), page.click('button[type=submit]')]);
  const meta = await page.textContent('.paste-head .meta');
  check(/expires in (1 hour|\d+ minutes)/i.test(meta), `meta does not say it expires in an hour: ${meta}`);
});

test('large_paste', async ({ page }) => {
  const lines = [];
  for (let i = 1; lines.join('\n').length < 260 * 1024; i++)
    lines.push(`    value_${i} = compute(${i}, "string ${i}")  # comment ${i}`);
  const p = await makePaste({ content: lines.join('\n') + '\n', title: 'large', lang: 'python' });
  await page.goto(`${p.url}#L${lines.length - 1}`);
  await page.waitForSelector('table.code.plain', { timeout: 10000 }).catch(() => {
    throw new Failure('a paste over 200 KiB was highlighted (or the page did not finish)');
  });
  eq(await page.locator('table.code tr').count(), lines.length, 'number of lines');
  check(await page.locator(`#L${lines.length - 1}.hl`).isVisible(), 'the marked line is not shown');
}, { fullPage: false });

async function samplePastePage(page) {
  const p = await makePaste({ content: SAMPLE_PY + '\nprint(greet("world"))\n' +
    'numbers = [n * 2 for n in range(10) if n % 3]  # a long line that may need scrolling sideways\n',
    title: 'Screenshot sample', lang: 'python' });
  await page.goto(`${p.url}#L2-L3`);
  await waitHighlighted(page);
  return p;
}

test('theme_light', async ({ page }) => {
  await samplePastePage(page);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(/rgb\((2[0-9]{2}), (2[0-9]{2}), (2[0-9]{2})\)/.test(bg), `light background is ${bg}`);
}, { context: { colorScheme: 'light' } });

test('theme_dark', async ({ page }) => {
  await samplePastePage(page);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(/rgb\(([0-9]|[1-5][0-9]), ([0-9]|[1-5][0-9]), ([0-9]|[1-5][0-9])\)/.test(bg), `dark background is ${bg}`);
}, { context: { colorScheme: 'dark' } });

test('phone_viewport', async ({ page }) => {
  await samplePastePage(page);
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(over <= 0, `the page is ${over}px wider than the phone screen`);
  check(await page.isVisible('a[href^="/raw/"]'), 'raw link not visible');
}, { context: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } });

test('phone_home', async ({ page }) => {
  await page.goto(`${BASE}/`);
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(over <= 0, `the home page is ${over}px wider than the phone screen`);
  check(await page.isVisible('button[type=submit]'), 'submit button not visible');
}, { context: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } });

test('error_page', async ({ page }) => {
  const r = await page.goto(`${BASE}/zzzzzzz`);
  eq(r.status(), 404, 'status of a missing paste');
  const type = r.headers()['content-type'] || '';
  check(/^text\/html/.test(type), `a browser gets ${type}, not an HTML error page`);
  check(await page.isVisible('a[href="/"]'), 'no way back home');
});

// ------------------------------------------------- encrypted pastes (issue 15)
//
// PrivateBin's v2 format: the page encrypts, the link carries the key after
// '#' (base58), the server keeps ciphertext only. PBINCLI (PrivateBin's own
// client, pbincli) makes and reads pastes of the same format.

const PBINCLI = process.env.PBINCLI || '';
const LINK_RE = /\/([A-Za-z0-9]+)(?:\?created=1)?#([1-9A-HJ-NP-Za-km-z]+)$/;

// The lines of a text as the page shows them (html.c's put_code).
function linesOf(text) {
  const t = text.endsWith('\n') ? text.slice(0, -1) : text;
  return t.split('\n').map((l) => l.replace(/\r$/, ''));
}

async function codeLines(page) {
  return page.$$eval('#code td.lc', (cells) => cells.map((c) => c.textContent));
}

// Wait until the page has decrypted and shown the paste; say why not otherwise.
async function waitDecrypted(page) {
  try {
    await page.waitForSelector('#code tr#L1', { timeout: 10000 });
  } catch (e) {
    const why = await page.evaluate(() => {
      if (!document.getElementById('encrypted-paste')) return 'not an encrypted paste page (no #encrypted-paste)';
      const s = document.getElementById('decrypt-status');
      return `not decrypted; #decrypt-status says ${JSON.stringify(s ? s.textContent : null)}`;
    }).catch(() => 'the page is gone');
    throw new Failure(why);
  }
}

async function statusText(page, re, what) {
  try {
    await page.waitForFunction((src) => {
      const s = document.getElementById('decrypt-status');
      return s && new RegExp(src).test(s.textContent);
    }, re.source, { timeout: 10000 });
  } catch (e) {
    const now = await page.textContent('#decrypt-status').catch(() => null);
    throw new Failure(`${what}: #decrypt-status is ${JSON.stringify(now)}, expected ${re}`);
  }
  return page.textContent('#decrypt-status');
}

// Fill the home form with encryption on and submit; resolves
// { id, key, link (the page's URL), share ("/<id>#<key>"), create (the JSON request seen) }.
// Every request the page makes is kept in `seen` ({ url, method, headers, post }).
async function encryptInForm(page, text, opts = {}) {
  const seen = opts.seen || [];
  page.on('request', (r) => seen.push({ url: r.url(), method: r.method(), headers: r.headers(), post: r.postData() || '' }));
  if (!opts.keepForm) await page.goto(`${BASE}/`);         // keepForm: the caller has filled more fields
  eq(await page.locator('#encrypt').count(), 1, 'the form has an #encrypt checkbox');
  check(await page.isVisible('#encrypt'), 'the #encrypt checkbox is not shown with JavaScript on');
  await page.fill('#content', text);
  if (opts.title) await page.fill('#title', opts.title);   // typed before: encryption then leaves it out
  if (opts.lang) await page.selectOption('#lang', opts.lang);
  if (opts.expire) await page.selectOption('#expire', opts.expire);
  if (opts.burn) await page.check('#burn');
  await page.check('#encrypt');
  if (opts.password) await page.fill('#encrypt-password', opts.password);
  const submit = opts.ctrlEnter
    ? page.focus('#content').then(() => page.keyboard.press('Control+Enter'))
    : page.click('#paste-form button[type=submit]');
  try {
    await Promise.all([page.waitForURL(LINK_RE, { timeout: 15000 }), submit]);
  } catch (e) {
    const shown = await page.textContent('#encrypt-error').catch(() => null);
    throw new Failure(`no link with a key after submitting (at ${page.url()}; error shown: ${JSON.stringify(shown)})`);
  }
  const m = LINK_RE.exec(page.url());
  const create = seen.find((r) => r.method === 'POST' && r.url === `${BASE}/`);
  check(create, 'no POST / request was seen');
  return { id: m[1], key: m[2], link: page.url(), share: `${BASE}/${m[1]}#${m[2]}`, create, seen };
}

// No request carried the text (URL or body, as is or URL-encoded) nor the key.
function assertNothingLeaked(seen, secret, key) {
  const forms = [secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+'),
                 JSON.stringify(secret).slice(1, -1)];
  for (const r of seen) {
    for (const f of forms) {
      check(!r.post.includes(f), `${r.method} ${r.url} carried the plain text in its body`);
      check(!r.url.split('#')[0].includes(f), `${r.method} ${r.url} carried the plain text in its URL`);
    }
    check(!r.post.includes(key), `${r.method} ${r.url} carried the key in its body`);
    check(!r.url.split('#')[0].includes(key), `${r.method} ${r.url} carried the key in its URL`);
  }
}

function checkCreateRequest(create, want) {
  eq(create.headers['x-requested-with'], 'JSONHttpRequest', 'X-Requested-With of the create request');
  check(/^application\/json/.test(create.headers['content-type'] || ''),
        `Content-Type of the create request: ${create.headers['content-type']}`);
  let body;
  try { body = JSON.parse(create.post); } catch (e) { throw new Failure(`the create request is not JSON: ${create.post.slice(0, 200)}`); }
  eq(body.v, 2, 'v of the create request');
  check(Array.isArray(body.adata) && Array.isArray(body.adata[0]) && body.adata[0].length === 8,
        `adata of the create request: ${JSON.stringify(body.adata)}`);
  eq(JSON.stringify(body.adata[0].slice(2)), JSON.stringify([100000, 256, 128, 'aes', 'gcm', 'zlib']), 'cipher settings in adata');
  eq(body.adata[3], want.burn ? 1 : 0, 'burnafterreading in adata');
  check(typeof body.ct === 'string' && body.ct.length > 20, 'no ct in the create request');
  eq(body.meta && body.meta.expire, want.expire, 'meta.expire of the create request');
  return body;
}

// Run pbincli in a private HOME and working directory (its config files are read from both).
function pbincli(args, dir) {
  if (!PBINCLI) throw new Failure('PBINCLI not set (the path of a pbincli executable)');
  return new Promise((resolve) => {
    execFile(PBINCLI, args, {
      cwd: dir, timeout: 30000, maxBuffer: 8 << 20,
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, '.config'),
             NO_PROXY: '*', no_proxy: '*', PYTHONIOENCODING: 'utf-8' },
    }, (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
  });
}

function tempDir() { return mkdtempSync(path.join(os.tmpdir(), 'pasted-pbincli-')); }

const SECRET_PY = (secret) => `import os  # ${secret}\ndef f(x):\n    return x * 2\n\nprint(f("ünï ✓ <b>"))\n`;

test('encrypt_in_browser', async ({ page, context, fresh }) => {
  const secret = unique('plain-secret');
  const text = `${secret}\nsecond line ✓ <b>not bold</b> & "quoted"\n\tthird\n`;
  const made = await encryptInForm(page, text, { expire: '1w', title: `title of ${secret}` });
  checkCreateRequest(made.create, { expire: '1week', burn: false });
  assertNothingLeaked(made.seen, secret, made.key);
  check(made.id.length >= 16, `an encrypted paste has the short id ${made.id}`);
  // the maker's own page, then a fresh browser with the link only
  const other = await fresh();
  const r = await other.page.goto(made.share);
  eq(r.status(), 200, 'status of the encrypted paste page');
  check(!(await r.text()).includes(secret), 'the page as served contains the plain text');
  await waitDecrypted(other.page);
  eq(JSON.stringify(await codeLines(other.page)), JSON.stringify(linesOf(text)), 'the decrypted lines');
  eq(await other.page.evaluate(() => document.getElementById('decrypt-password').hidden), true, 'password form hidden');
  // what the server keeps: the PrivateBin document, no plain text
  const raw = await context.request.get(`${BASE}/raw/${made.id}`);
  eq(raw.status(), 200, 'status of /raw/<id>');
  check(/^application\/json/.test(raw.headers()['content-type'] || ''), `raw Content-Type ${raw.headers()['content-type']}`);
  eq(raw.headers()['x-encrypted'], 'privatebin-v2', 'raw X-Encrypted');
  const stored = await raw.text();
  check(!stored.includes(secret) && !stored.includes('second line'), 'the stored document contains the plain text');
  check(!stored.includes(made.key), 'the stored document contains the key');
  const doc = JSON.parse(stored);
  eq(doc.v, 2, 'v of the stored document');
  eq(doc.ct, JSON.parse(made.create.post).ct, 'the stored ct is the one sent');
  const api = await context.request.get(`${BASE}/api/pastes/${made.id}`);
  eq((await api.json()).encrypted, true, '"encrypted" in /api/pastes/<id>');
});

test('encrypted_page_tools', async ({ page, context, fresh }) => {
  // the decrypted text gets the plain page's highlighting, line marks, copy and download
  const secret = unique('tools');
  const text = SECRET_PY(secret);
  const made = await encryptInForm(page, text, { lang: 'python', ctrlEnter: true });
  assertNothingLeaked(made.seen, secret, made.key);
  const other = await fresh({ acceptDownloads: true });
  await other.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  const p = other.page;
  await p.goto(`${made.share}&L2`);
  await waitDecrypted(p);
  await waitHighlighted(p);
  check(await p.locator('#L1 .hljs-keyword').count() > 0, 'line 1 (import) is not highlighted as python');
  eq(JSON.stringify(await codeLines(p)), JSON.stringify(linesOf(text)), 'lines after highlighting');
  await p.waitForSelector('#L2.hl');
  eq(JSON.stringify(await rowClasses(p)), JSON.stringify([false, true, false, false, false]), 'rows marked by &L2');
  await p.click('#L4 td.ln a');
  await p.waitForSelector('#L4.hl');
  eq(new URL(p.url()).hash, `#${made.key}&L4`, 'the key stays in the link when a line is marked');
  check(await p.isVisible('#copy'), 'the copy button is not shown');
  await p.click('#copy');
  await p.waitForSelector('#copy.done');
  eq(await p.evaluate(() => navigator.clipboard.readText()), text, 'clipboard');
  check(await p.isVisible('#download-decrypted'), 'the download button is not shown');
  const [download] = await Promise.all([p.waitForEvent('download'), p.click('#download-decrypted')]);
  check(/\.txt$/.test(download.suggestedFilename()), `download name ${download.suggestedFilename()}`);
  eq(readFileSync(await download.path(), 'utf8'), text, 'downloaded text');
  // a reload with the line mark decrypts again
  await p.reload();
  await waitDecrypted(p);
  await p.waitForSelector('#L4.hl');
});

test('encrypt_with_password', async ({ page, fresh }) => {
  const secret = unique('pw-secret');
  const text = `${secret}\nbehind a password\n`;
  const password = unique('pässwörd ✓');
  const made = await encryptInForm(page, text, { password });
  assertNothingLeaked(made.seen, secret, made.key);
  check(!made.seen.some((r) => r.post.includes(password)), 'a request carried the password');
  const p = (await fresh()).page;
  await p.goto(made.share);
  await p.waitForSelector('#decrypt-password:not([hidden])', { timeout: 10000 }).catch(async () => {
    throw new Failure(`no password form; #decrypt-status: ${JSON.stringify(await p.textContent('#decrypt-status').catch(() => null))}`);
  });
  await statusText(p, /password/i, 'asking for the password');
  eq(await p.locator('#code tr').count(), 0, 'rows shown before the password');
  await p.fill('#paste-password', 'not the password');
  await p.click('#decrypt-password [type=submit]');
  await statusText(p, /Wrong password, or a damaged link/, 'after a wrong password');
  check(await p.isVisible('#decrypt-password'), 'the password form went away after a wrong password');
  eq(await p.locator('#code tr').count(), 0, 'rows shown after a wrong password');
  await p.fill('#paste-password', password);
  await p.press('#paste-password', 'Enter');
  await waitDecrypted(p);
  eq(JSON.stringify(await codeLines(p)), JSON.stringify(linesOf(text)), 'the decrypted lines');
  check(!(await p.isVisible('#decrypt-password')), 'the password form is still shown');
});

test('encrypted_burn', async ({ page, context, fresh }) => {
  const secret = unique('burn-secret');
  const text = `${secret}\nread once\n`;
  const made = await encryptInForm(page, text, { burn: true });
  checkCreateRequest(made.create, { expire: JSON.parse(made.create.post).meta.expire, burn: true });
  assertNothingLeaked(made.seen, secret, made.key);
  // the maker gets the link, with its key, and does not burn it
  check(/\?created=1#/.test(made.link), `the maker was sent to ${made.link}, which would burn it`);
  eq(await page.inputValue('#share-url'), made.share, 'the link to share (with the key)');
  const reader = (await fresh()).page;
  await reader.goto(made.share);
  await waitDecrypted(reader);
  eq(JSON.stringify(await codeLines(reader)), JSON.stringify(linesOf(text)), 'the first reader\'s lines');
  const again = await (await fresh()).page.goto(made.share);
  check([404, 410].includes(again.status()), `a second read: HTTP ${again.status()}`);
  const raw = await context.request.get(`${BASE}/raw/${made.id}`);
  check([404, 410].includes(raw.status()), `raw after burning: HTTP ${raw.status()}`);
});

test('encrypt_error_shown', async ({ page }) => {
  // a refusal is shown by the button; nothing else is sent (no plain form post after it)
  const secret = unique('refused-secret');
  const seen = [];
  page.on('request', (r) => seen.push({ url: r.url(), method: r.method(), headers: r.headers(), post: r.postData() || '' }));
  await page.goto(`${BASE}/`);
  await page.evaluate(() => {
    const o = document.createElement('option');
    o.value = '99years'; o.textContent = 'too long'; o.selected = true;
    document.getElementById('expire').appendChild(o);
  });
  await page.fill('#content', `${secret}\n`);
  await page.check('#encrypt');
  await page.click('#paste-form button[type=submit]');
  const alert = page.locator('#paste-form [role=alert]');
  await alert.first().waitFor({ timeout: 10000 }).catch(() => { throw new Failure('no role=alert message in the form'); });
  const message = await alert.first().textContent();
  check(/expire/i.test(message), `the message does not say what was wrong: ${JSON.stringify(message)}`);
  eq(new URL(page.url()).pathname, '/', 'the page after a refusal');
  await sleep(500);
  const posts = seen.filter((r) => r.method === 'POST');
  eq(posts.length, 1, 'POST requests');
  eq(posts[0].headers['x-requested-with'], 'JSONHttpRequest', 'the one POST is the encrypted one');
  assertNothingLeaked(seen, secret, '\u0000no key\u0000');
  check(await page.isEnabled('#paste-form button[type=submit]'), 'the submit button stays disabled');
  eq(await page.inputValue('#content'), `${secret}\n`, 'the text is kept in the form');
});

test('encrypted_xss', async ({ page, fresh }) => {
  // decrypted text reaches the page as text only, highlighted or not
  const made = await encryptInForm(page, XSS, { lang: 'xml' });
  const p = (await fresh()).page;
  const dialogs = [];
  p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await p.goto(made.share);
  await waitDecrypted(p);
  await waitHighlighted(p);
  await p.hover('#L5 td.lc');
  await assertNoXss(p, 'the decrypted page', dialogs);
  eq(JSON.stringify(await codeLines(p)), JSON.stringify(linesOf(XSS)), 'the payload lines, as text');
});

test('encrypted_views_left', async ({ page, fresh }) => {
  // "Readable N times" holds for an encrypted paste too: N readers, then gone
  const secret = unique('views-secret');
  await page.goto(`${BASE}/`);
  eq(await page.locator('#views_left').count(), 1, 'the form has a #views_left field');
  await page.fill('#views_left', '2');
  const made = await encryptInForm(page, `${secret}\n`, { keepForm: true });
  const body = JSON.parse(made.create.post);
  eq(body.views_left, 2, 'views_left in the create request');
  check(/\?created=1#/.test(made.link), `the maker was sent to ${made.link}, which would use up a view`);
  for (const n of [1, 2]) {
    const p = (await fresh()).page;
    await p.goto(made.share);
    await waitDecrypted(p);
    eq(JSON.stringify(await codeLines(p)), JSON.stringify([secret]), `reader ${n}'s lines`);
  }
  const third = await (await fresh()).page.goto(made.share);
  check([404, 410].includes(third.status()), `a third read of a paste readable twice: HTTP ${third.status()}`);
});

test('encrypted_wrong_or_missing_key', async ({ page, fresh }) => {
  const secret = unique('key-secret');
  const made = await encryptInForm(page, `${secret}\n`);
  const open = async (url) => {
    const p = (await fresh()).page;
    await p.goto(url);
    return p;
  };
  const nothingShown = async (p, what) => {
    eq(await p.locator('#code tr').count(), 0, `rows shown ${what}`);
    check(!(await p.content()).includes(secret), `the text is on the page ${what}`);
  };
  // no key at all, and a line mark only
  for (const url of [`${BASE}/${made.id}`, `${BASE}/${made.id}#`, `${BASE}/${made.id}#L1`]) {
    const p = await open(url);
    await statusText(p, /no key \(the part after #\).*cannot be decrypted/, `${url}`);
    eq(await p.evaluate(() => document.getElementById('decrypt-password').hidden), true, `password form for ${url}`);
    await nothingShown(p, `at ${url}`);
  }
  // the key added to the address afterwards (no reload: a hash change) decrypts
  const later = await open(`${BASE}/${made.id}`);
  await statusText(later, /no key/, 'before the key is added');
  await later.evaluate((k) => { location.hash = k; }, made.key);
  await waitDecrypted(later);
  eq(JSON.stringify(await codeLines(later)), JSON.stringify([secret]), 'lines once the key was added');
  // a key cut short, or with a character base58 does not have
  for (const bad of [made.key.slice(0, 20), made.key.slice(0, -1) + '0', made.key + 'l']) {
    const p = await open(`${BASE}/${made.id}#${bad}`);
    await statusText(p, /key \(the part after #\) is damaged.*cannot be decrypted/, `key ${bad}`);
    await nothingShown(p, `with key ${bad}`);
  }
  // a key of the right shape that is not the key: asks for a password, then says so
  const last = made.key.slice(-1);
  const wrong = made.key.slice(0, -1) + (last === '2' ? '3' : '2');
  const p = await open(`${BASE}/${made.id}#${wrong}`);
  await p.waitForSelector('#decrypt-password:not([hidden])', { timeout: 10000 }).catch(async () => {
    throw new Failure(`a wrong key: no password form; #decrypt-status: ${JSON.stringify(await p.textContent('#decrypt-status').catch(() => null))}`);
  });
  await p.fill('#paste-password', 'anything');
  await p.click('#decrypt-password [type=submit]');
  await statusText(p, /Wrong password, or a damaged link/, 'a wrong key and a password');
  await nothingShown(p, 'with a wrong key');
});

test('encrypted_without_js', async ({ page, fresh }) => {
  const secret = unique('nojs-secret');
  const maker = (await fresh()).page;                      // JavaScript on, to make it
  const made = await encryptInForm(maker, `${secret}\n`);
  const r = await page.goto(made.share);
  eq(r.status(), 200, 'status of the page');
  eq(await page.evaluate(() => document.documentElement.classList.contains('js')), false, 'app.js ran');
  const notice = page.locator('p.notice', { hasText: /JavaScript/ });
  check(await notice.count() >= 1 && await notice.first().isVisible(), 'no visible notice that the paste needs JavaScript');
  check(/encrypted/i.test(await notice.first().textContent()), 'the notice does not say the paste is encrypted');
  check(!(await page.content()).includes(secret), 'the plain text is on the page');
  eq(await page.locator('#code tr').count(), 0, 'rows without JavaScript');
  check(!(await page.isVisible('#decrypt-password')), 'a password form that cannot work is shown');
  // the form offers no encryption it cannot do
  await page.goto(`${BASE}/`);
  eq(await page.locator('#encrypt').count(), 1, 'the form has an #encrypt checkbox');
  check(!(await page.isVisible('#encrypt')), 'the encrypt checkbox is shown without JavaScript');
  check(!(await page.isVisible('#encrypt-password')), 'the encryption password is shown without JavaScript');
  // and a post that asks for it anyway is refused, not stored unencrypted
  const post = await curl(['-X', 'POST', '--form-string', 'encrypt=1', '-F', 'content=<-', `${BASE}/`], `${secret}\n`);
  eq(post.status, 400, 'a form post with encrypt=1');
}, { context: { javaScriptEnabled: false } });

test('pbincli_to_browser', async ({ fresh }) => {
  if (!PBINCLI) throw new Failure('PBINCLI not set (the path of a pbincli executable)');
  const dir = tempDir();
  try {
    const cases = [
      { text: `${unique('from-pbincli')}\r\nline two ✓ <b>x</b>\r\n\r\nlast`, args: [] },
      { text: `${unique('pbincli-pw')}\nwith a password\n`, args: ['-p', 'pbin pässword', '-B'], password: 'pbin pässword', burn: true },
    ];
    for (const c of cases) {
      const sent = await pbincli(['send', '-s', `${BASE}/`, ...c.args, '-t', c.text], dir);
      check(sent.code === 0, `pbincli send ${c.args.join(' ')}: exit ${sent.code}: ${oneLine(sent.stderr || sent.stdout)}`);
      const m = /Link:\s+(\S+)/.exec(sent.stdout);
      check(m, `no link in pbincli's output: ${oneLine(sent.stdout)}`);
      const link = m[1];
      check(link.startsWith(`${BASE}/?`) && link.includes('#'), `pbincli's link ${link}`);
      const p = (await fresh()).page;
      const r = await p.goto(link);
      eq(r.status(), 200, `status of ${link}`);
      if (c.password) {
        await p.waitForSelector('#decrypt-password:not([hidden])', { timeout: 10000 }).catch(async () => {
          throw new Failure(`no password form; #decrypt-status: ${JSON.stringify(await p.textContent('#decrypt-status').catch(() => null))}`);
        });
        await p.fill('#paste-password', c.password);
        await p.click('#decrypt-password [type=submit]');
      }
      await waitDecrypted(p);
      eq(JSON.stringify(await codeLines(p)), JSON.stringify(linesOf(c.text)), `lines of pbincli's paste ${c.args.join(' ')}`);
      if (c.text.includes('\r\n')) eq(await p.getAttribute('#code', 'data-eol'), 'crlf', 'data-eol of CRLF text');
      if (c.burn) {
        const again = await (await fresh()).page.goto(link);
        check([404, 410].includes(again.status()), `pbincli's burn paste read twice: HTTP ${again.status()}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('browser_to_pbincli', async ({ page, fresh }) => {
  if (!PBINCLI) throw new Failure('PBINCLI not set (the path of a pbincli executable)');
  const cases = [
    // (a textarea's value has \n line ends only)
    { text: `${unique('to-pbincli')}\nünïcödé ✓ <b>x</b>\n\n  end\n`, opts: {} },
    { text: `${unique('to-pbincli-pw')}\nburns, with a password\n`, opts: { password: 'brøwser pw', burn: true } },
  ];
  for (const c of cases) {
    const maker = c === cases[0] ? page : (await fresh()).page;
    const made = await encryptInForm(maker, c.text, c.opts);
    const dir = tempDir();
    try {
      const url = `${BASE}/?${made.id}#${made.key}`;
      const args = ['get', url, ...(c.opts.password ? ['-p', c.opts.password] : [])];
      const got = await pbincli(args, dir);
      check(got.code === 0, `pbincli get: exit ${got.code}: ${oneLine(got.stderr || got.stdout)}`);
      const file = path.join(dir, `paste-${made.id}.txt`);
      let saved;
      try { saved = readFileSync(file, 'utf8'); } catch (e) {
        throw new Failure(`pbincli wrote no ${path.basename(file)} (files: ${readdirSync(dir).join(' ')}; said ${oneLine(got.stdout)})`);
      }
      eq(saved, c.text, `the text pbincli got ${c.opts.password ? '(password, burn)' : ''}`);
      if (c.opts.burn) {
        const again = await pbincli(['get', url, '-p', c.opts.password], dir);
        check(again.code !== 0, 'pbincli read a burn paste twice');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

// ---------------------------------------------------------------- runner

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Failure(`timed out after ${ms} ms`)), ms); }),
  ]);
}

function oneLine(s) { return String(s).split('\n')[0].slice(0, 300); }

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const only = process.argv.slice(2);
  const chosen = only.length ? tests.filter((t) => only.includes(t.name)) : tests;
  let passed = 0, failed = 0;
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // playwright gives every launch a fresh temporary profile (user-data-dir)
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    for (const t of chosen) console.log(`FAIL - ${t.name}: cannot start ${CHROMIUM}: ${oneLine(e.message)}`);
    console.log(`0 passed, ${chosen.length} failed`);
    process.exit(1);
  }
  for (const t of chosen) {
    const context = await browser.newContext({ baseURL: BASE, ...(t.opts.context || {}) });
    const page = await context.newPage();
    const problems = [];
    const requests = [];
    const watch = (p) => {
      p.on('pageerror', (e) => problems.push(`page error: ${oneLine(e.message)}`));
      p.on('console', (m) => {
        const text = m.text();
        if (/Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${oneLine(text)}`);
        else if (m.type() === 'error' && !/status of 40[0-9]|status of 41[0-9]/.test(text))
          problems.push(`console error: ${oneLine(text)}`);
      });
    };
    watch(page);
    page.on('request', (r) => requests.push(r.url()));
    // fresh(options): another new context (nothing shared with `context`), its page watched the same way
    const others = [];
    const fresh = async (options = {}) => {
      const c = await browser.newContext({ baseURL: BASE, ...options });
      others.push(c);
      const p = await c.newPage();
      watch(p);
      return { page: p, context: c };
    };
    let error = null;
    try {
      await withTimeout(t.fn({ page, context, requests, fresh }), TEST_TIMEOUT_MS);
      if (problems.length) throw new Failure(problems[0]);
    } catch (e) {
      error = e instanceof Failure ? e.message : `${e.name}: ${oneLine(e.message)}`;
    }
    try {
      await page.screenshot({ path: path.join(SHOTS, `${t.name}.png`), fullPage: t.opts.fullPage !== false,
                              timeout: 10000 });
    } catch (e) { /* a page that cannot be drawn must not hide the result */ }
    await context.close().catch(() => {});
    for (const c of others) await c.close().catch(() => {});
    if (error) { failed++; console.log(`FAIL - ${t.name}: ${oneLine(error)}`); }
    else { passed++; console.log(`ok - ${t.name}`); }
  }
  await browser.close().catch(() => {});
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL - runner: ${oneLine(e.stack || e.message)}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
