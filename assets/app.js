/* app.js - the optional layer over pasted's pages (see src/html.c).
 *
 * Every page works without this file. It finds its work through element ids
 * and data-* attributes that html.c writes, and adds:
 *   - all pages: relative times on <time class="rel">, copy buttons ([data-copy])
 *   - home: Ctrl/Cmd+Enter submits #paste-form; the curl hint shows this site
 *   - home and /recent: #recent-list[data-live] updated live from /events (SSE)
 *   - paste page: #code highlighted with highlight.js (window.hljs), line
 *     marks for #L12 and #L12-L20 (on load, on hashchange, click and
 *     shift-click on line numbers), and a line-wrap toggle.
 * Data from the server or the feed reaches the DOM only as text
 * (textContent, attribute values); highlight.js output is parsed in an inert
 * <template> and copied over as <span class> elements and text only. */
(function () {
  'use strict';

  var doc = document;
  doc.documentElement.classList.add('js');

  var MAX_HIGHLIGHT = 200 * 1024;   /* characters; larger pastes stay plain */
  var MAX_DETECT = 20 * 1024;       /* auto-detection looks at this much */

  function byId(id) { return doc.getElementById(id); }

  /* ---------------------------------------------------------------- times */

  var rtf = typeof Intl !== 'undefined' && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat('en', { numeric: 'auto' }) : null;
  var UNITS = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400],
               ['hour', 3600], ['minute', 60]];

  function relative(ms) {
    var secs = Math.round((ms - Date.now()) / 1000);
    var abs = Math.abs(secs);
    if (abs < 60) return secs > 0 ? 'in under a minute' : 'just now';
    for (var i = 0; i < UNITS.length; i++) {
      if (abs >= UNITS[i][1]) {
        var n = Math.floor(abs / UNITS[i][1]) * (secs < 0 ? -1 : 1);
        if (rtf) return rtf.format(n, UNITS[i][0]);
        var k = Math.abs(n);
        var text = k + ' ' + UNITS[i][0] + (k === 1 ? '' : 's');
        return secs < 0 ? text + ' ago' : 'in ' + text;
      }
    }
    return '';
  }

  function refreshTimes(root) {
    var times = (root || doc).querySelectorAll('time.rel[datetime]');
    for (var i = 0; i < times.length; i++) {
      var t = Date.parse(times[i].getAttribute('datetime'));
      if (isNaN(t)) continue;
      /* an expiry that has passed: the paste is gone for everyone else */
      if (t <= Date.now() && times[i].parentNode.classList.contains('expires'))
        times[i].textContent = 'now (it has expired)';
      else
        times[i].textContent = relative(t);
    }
  }

  /* ----------------------------------------------------------------- copy */

  function codeText() {
    var table = byId('code');
    if (!table) return '';
    var cells = table.querySelectorAll('td.lc');
    var lines = [];
    for (var i = 0; i < cells.length; i++) lines.push(cells[i].textContent);
    var eol = table.getAttribute('data-eol') === 'crlf' ? '\r\n' : '\n';
    return lines.join(eol) + (table.hasAttribute('data-final-eol') ? eol : '');
  }

  function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText)
      return navigator.clipboard.writeText(text);
    /* older browsers, or a page not in a secure context */
    return new Promise(function (resolve, reject) {
      var ta = doc.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.className = 'offscreen';
      doc.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = doc.execCommand('copy'); } catch (e) { ok = false; }
      doc.body.removeChild(ta);
      if (ok) resolve(); else reject(new Error('copy refused'));
    });
  }

  function setupCopy() {
    var buttons = doc.querySelectorAll('button[data-copy]');
    Array.prototype.forEach.call(buttons, function (btn) {
      var label = btn.textContent;
      btn.hidden = false;
      btn.addEventListener('click', function () {
        var from = btn.getAttribute('data-copy');
        var text = from === 'code' ? codeText() : (byId(from) || {}).value || '';
        copyText(text).then(function () {
          btn.textContent = 'Copied';
          btn.classList.add('done');
        }, function () {
          btn.textContent = 'Copy failed';
        }).then(function () {
          setTimeout(function () { btn.textContent = label; btn.classList.remove('done'); }, 1600);
        });
      });
    });
  }

  /* ----------------------------------------------------------------- home */

  function setupForm() {
    var form = byId('paste-form');
    if (!form) return;
    form.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey) {
        e.preventDefault();
        if (form.requestSubmit) form.requestSubmit();
        else if (form.reportValidity()) form.submit();
      }
    });
    if (/Mac|iPhone|iPad/.test(navigator.platform || '')) {
      var kbd = form.querySelector('.kbd-hint kbd');
      if (kbd) kbd.textContent = '⌘';
    }
    var origin = doc.querySelectorAll('.origin');
    for (var i = 0; i < origin.length; i++)
      if (origin[i].textContent === 'this-site') origin[i].textContent = location.origin;
  }

  /* ------------------------------------------------------------ live feed */

  function formatSize(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / (1024 * 1024)).toFixed(1) + ' MiB';
  }

  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /* The same shape as put_summary() in html.c. */
  function summaryItem(p) {
    var li = el('li', 'fresh');
    li.setAttribute('data-id', p.id);
    var a = el('a', 'title');
    a.href = '/' + p.id;
    if (p.title) a.textContent = p.title;
    else { a.classList.add('untitled'); a.textContent = 'Untitled · ' + p.id; }
    li.appendChild(a);
    var meta = el('span', 'meta');
    if (p.lang) meta.appendChild(el('span', 'lang', p.lang));
    if (typeof p.size === 'number') meta.appendChild(el('span', null, formatSize(p.size)));
    var created = Date.parse(p.created);
    if (!isNaN(created)) {
      var t = el('time', 'rel', relative(created));
      t.setAttribute('datetime', p.created);
      t.title = new Date(created).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
      meta.appendChild(t);
    }
    li.appendChild(meta);
    return li;
  }

  function setupLive() {
    var list = byId('recent-list');
    if (!list || !list.hasAttribute('data-live') || typeof EventSource === 'undefined') return;
    var cap = parseInt(list.getAttribute('data-live'), 10) || 10;
    var badge = byId('live');
    var es = null;

    function onPaste(ev) {
      var p;
      try { p = JSON.parse(ev.data); } catch (e) { return; }
      if (!p || typeof p.id !== 'string' || !/^[A-Za-z0-9]{1,22}$/.test(p.id)) return;
      if (list.querySelector('li[data-id="' + p.id + '"]')) return;
      list.insertBefore(summaryItem(p), list.firstChild);
      while (list.children.length > cap) list.removeChild(list.lastChild);
      var empty = list.parentNode.querySelector('.empty');
      if (empty) empty.parentNode.removeChild(empty);
    }
    function connect() {
      es = new EventSource('/events');   /* reconnects by itself after errors */
      es.addEventListener('open', function () { if (badge) badge.hidden = false; });
      es.addEventListener('error', function () { if (badge) badge.hidden = true; });
      es.addEventListener('paste', onPaste);
    }
    connect();
    /* free the server's stream slot when leaving; reconnect when coming back (bfcache) */
    window.addEventListener('pagehide', function () {
      if (es) es.close();
      es = null;
      if (badge) badge.hidden = true;
    });
    window.addEventListener('pageshow', function (e) { if (e.persisted && !es) connect(); });
  }

  /* --------------------------------------------------------- highlighting */

  /* Split highlight.js's HTML into one DocumentFragment per line. Spans that
   * cross a line end (a multi-line comment or string) are closed at the end
   * of the line and opened again, with the same classes, on the next. */
  function splitHighlighted(html) {
    var tpl = doc.createElement('template');
    tpl.innerHTML = html;                     /* inert: nothing runs or loads */
    var lines = [doc.createDocumentFragment()];
    var open = [];                            /* [{src, el}] spans open on this line */

    function newLine() {
      lines.push(doc.createDocumentFragment());
      open = [];
    }
    function containerFor(stack) {
      var i = 0;
      while (i < open.length && i < stack.length && open[i].src === stack[i]) i++;
      open.length = i;
      for (; i < stack.length; i++) {
        var span = doc.createElement('span');
        span.className = stack[i].className;
        (i ? open[i - 1].el : lines[lines.length - 1]).appendChild(span);
        open.push({ src: stack[i], el: span });
      }
      return open.length ? open[open.length - 1].el : lines[lines.length - 1];
    }
    function walk(node, stack) {
      for (var c = node.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 3) {
          var parts = c.data.split('\n');
          for (var k = 0; k < parts.length; k++) {
            if (k) newLine();
            if (parts[k]) containerFor(stack).appendChild(doc.createTextNode(parts[k]));
          }
        } else if (c.nodeType === 1) {
          if (c.tagName === 'SPAN') walk(c, stack.concat([c]));
          else walk(c, stack);              /* never expected: keep the text only */
        }
      }
    }
    walk(tpl.content, []);
    return lines;
  }

  function highlight() {
    var table = byId('code');
    var hljs = window.hljs;
    if (!table) return;
    if (!hljs) {                               /* highlight.js not embedded: plain text */
      table.classList.add('plain');
      return;
    }
    var cells = table.querySelectorAll('td.lc');
    var lines = [];
    for (var i = 0; i < cells.length; i++) lines.push(cells[i].textContent);
    var text = lines.join('\n');
    var lang = (table.getAttribute('data-lang') || '').toLowerCase();
    var label = byId('lang-name');
    if (text.length > MAX_HIGHLIGHT) {
      table.classList.add('plain');
      if (label && !label.textContent) label.textContent = 'Not highlighted (large)';
      return;
    }
    var result;
    try {
      if (lang && lang !== 'plaintext' && lang !== 'text' && hljs.getLanguage(lang)) {
        result = hljs.highlight(text, { language: lang, ignoreIllegals: true });
      } else if (!lang) {
        var guess = hljs.highlightAuto(text.slice(0, MAX_DETECT));
        if (guess.language && guess.relevance >= 5) {
          result = text.length > MAX_DETECT
            ? hljs.highlight(text, { language: guess.language, ignoreIllegals: true }) : guess;
          result.language = guess.language;
          if (label && !label.textContent) {
            var def = hljs.getLanguage(guess.language);
            label.textContent = (def && def.name ? def.name : guess.language) + ' (detected)';
          }
        }
      }
    } catch (e) {
      result = null;
    }
    if (label && !label.textContent) label.textContent = 'Plain text';
    if (!result) {
      table.classList.add('plain');
      return;
    }
    var split = splitHighlighted(result.value);
    if (split.length !== cells.length) return;   /* never expected; keep the plain text */
    for (var j = 0; j < cells.length; j++) {
      cells[j].textContent = '';
      cells[j].appendChild(split[j]);
    }
    table.classList.add('hljs');
    if (result.language) table.setAttribute('data-highlighted', result.language);
  }

  /* ----------------------------------------------------------- line marks */

  function parseRange(hash) {
    var m = /^#L(\d+)(?:-L?(\d+))?$/.exec(hash || '');
    if (!m) return null;
    var a = parseInt(m[1], 10), b = m[2] ? parseInt(m[2], 10) : a;
    return a <= b ? [a, b] : [b, a];
  }

  var anchorLine = 0;   /* the line a shift-click extends from */

  function markLines(range, scroll) {
    var table = byId('code');
    if (!table) return;
    var old = table.querySelectorAll('tr.hl');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('hl', 'hl-first', 'hl-last');
    if (!range) return;
    var first = null, last = null;
    for (var n = range[0]; n <= range[1]; n++) {
      var row = byId('L' + n);
      if (!row) break;
      row.classList.add('hl');
      first = first || row;
      last = row;
    }
    if (!first) return;
    first.classList.add('hl-first');
    last.classList.add('hl-last');
    anchorLine = range[0];
    if (scroll) first.scrollIntoView({ block: range[0] === range[1] ? 'center' : 'start' });
  }

  function setupLines() {
    var table = byId('code');
    if (!table) return;
    markLines(parseRange(location.hash), true);
    window.addEventListener('hashchange', function () {
      markLines(parseRange(location.hash), true);
    });
    table.addEventListener('click', function (e) {
      var a = e.target.closest && e.target.closest('td.ln a');
      if (!a || e.ctrlKey || e.metaKey || e.altKey || e.button !== 0) return;
      var n = parseInt(a.textContent, 10);
      if (!n) return;
      e.preventDefault();
      var range = e.shiftKey && anchorLine ? [Math.min(anchorLine, n), Math.max(anchorLine, n)]
                                           : [n, n];
      var hash = range[0] === range[1] ? '#L' + n : '#L' + range[0] + '-L' + range[1];
      history.replaceState(null, '', hash);
      var keep = range[0] === range[1] ? n : anchorLine;
      markLines(range, false);
      anchorLine = keep;
      if (e.shiftKey && window.getSelection) window.getSelection().removeAllRanges();
    });
  }

  function setupWrap() {
    var btn = byId('wrap'), table = byId('code');
    if (!btn || !table) return;
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var on = table.classList.toggle('wrap');
      btn.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
  }

  /* ------------------------------------------------------------------ go */

  function start() {
    refreshTimes();
    setInterval(refreshTimes, 30000);
    setupCopy();
    setupForm();
    setupLive();
    setupWrap();
    highlight();
    setupLines();
  }

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
  else start();
})();
