// run.mjs - pasted's end-to-end tests in a real browser (issue 3).
//
//   PASTED_URL=http://127.0.0.1:8080 node tests/browser/run.mjs [NAME...]
//
// Drives Debian's Chromium (/usr/bin/chromium, headless) with playwright-core
// against a running pasted at PASTED_URL (tests/run.sh starts one). Pastes are
// made through the browser form or with the real curl binary. The tests run
// one after another, each in a fresh browser context (no cookies, cache or
// storage shared); each prints `ok - NAME` or `FAIL - NAME: reason` and
// saves a screenshot to tests/out/screenshots/NAME.png ($TEST_OUT/screenshots
// when TEST_OUT is set). The last line is `N passed, N failed`; the exit
// status is 1 when anything failed. Names on the command line run only those.
//
// Every test also fails on a JavaScript error in a page or a Content
// Security Policy violation, so the pages stay clean under the strict CSP.

import { chromium } from 'playwright-core';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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
    document.querySelectorAll('main img, main svg, main iframe, main script, [onerror], [onload], [onmouseover]').length);
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
    page.on('pageerror', (e) => problems.push(`page error: ${oneLine(e.message)}`));
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${oneLine(text)}`);
      else if (m.type() === 'error' && !/status of 40[0-9]|status of 41[0-9]/.test(text))
        problems.push(`console error: ${oneLine(text)}`);
    });
    page.on('request', (r) => requests.push(r.url()));
    let error = null;
    try {
      await withTimeout(t.fn({ page, context, requests }), TEST_TIMEOUT_MS);
      if (problems.length) throw new Failure(problems[0]);
    } catch (e) {
      error = e instanceof Failure ? e.message : `${e.name}: ${oneLine(e.message)}`;
    }
    try {
      await page.screenshot({ path: path.join(SHOTS, `${t.name}.png`), fullPage: t.opts.fullPage !== false,
                              timeout: 10000 });
    } catch (e) { /* a page that cannot be drawn must not hide the result */ }
    await context.close().catch(() => {});
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
