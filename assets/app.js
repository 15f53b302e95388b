/* app.js - the optional layer over pasted's pages (see src/html.c).
 *
 * Every page works without this file. It finds its work through element ids
 * and data-* attributes that html.c writes, and adds:
 *   - all pages: relative times on <time class="rel">, copy buttons ([data-copy])
 *   - home: Ctrl/Cmd+Enter submits #paste-form; the curl hint shows this site
 *   - home and /recent: #recent-list[data-live] updated live from /events (SSE)
 *   - paste page: #code highlighted with highlight.js (window.hljs), line
 *     marks for #L12 and #L12-L20 (on load, on hashchange, click and
 *     shift-click on line numbers), and a line-wrap toggle; #viewing
 *     ("N viewing now") and #views kept live over one WebSocket (/ws).
 *   - encrypted pastes (PrivateBin v2, see "encrypted pastes" below): the
 *     home form's #encrypt encrypts in the browser and posts ciphertext only;
 *     a page with #encrypted-paste decrypts with the key after # (and a
 *     password when needed), then fills #code and goes on as above.
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
    if (decryptedText !== null) return decryptedText;
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

  function setupCopyButton(btn) {
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
  }

  /* encrypted: the code's copy button waits until the text is decrypted */
  function setupCopy(encrypted) {
    var buttons = doc.querySelectorAll('button[data-copy]');
    Array.prototype.forEach.call(buttons, function (btn) {
      if (!(encrypted && btn.getAttribute('data-copy') === 'code')) setupCopyButton(btn);
    });
  }

  /* ----------------------------------------------------------------- home */

  function setupForm() {
    var form = byId('paste-form');
    if (!form) return;
    form.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey) {
        e.preventDefault();
        if (form.requestSubmit) form.requestSubmit();           /* fires 'submit': encrypts if asked */
        else if (form.reportValidity() && !(form.encryptAndSend && form.encryptAndSend())) form.submit();
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

  /* ------------------------------------------------------------ presence */

  /* A paste page (#viewing[data-paste]) holds one WebSocket to /ws while it
   * is open: it follows the paste with this tab's token, so the page shows
   * "N viewing now" (this tab included) and its view count as others open
   * it, on any instance. The token is random and kept per tab
   * (sessionStorage), so a reload is the same viewer. The server pings; a
   * lost socket is opened again after a pause that doubles up to a minute. */
  function tabToken() {
    var key = 'pasted-tab', t = null;
    try { t = sessionStorage.getItem(key); } catch (e) { /* storage off */ }
    if (!t || !/^[A-Za-z0-9_-]{8,64}$/.test(t)) {
      var bytes = new Uint8Array(16), alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
      crypto.getRandomValues(bytes);
      t = '';
      for (var i = 0; i < bytes.length; i++) t += alphabet.charAt(bytes[i] & 63);
      try { sessionStorage.setItem(key, t); } catch (e) { /* storage off */ }
    }
    return t;
  }

  function setupPresence() {
    var viewing = byId('viewing'), views = byId('views');
    if (!viewing || typeof WebSocket === 'undefined') return;
    var id = viewing.getAttribute('data-paste');
    if (!/^[A-Za-z0-9]{7,22}$/.test(id)) return;
    var ws = null, retry = 1000, timer = null, stopped = false;

    function show(n) {
      viewing.textContent = n + ' viewing now';
      viewing.hidden = false;
    }
    function showViews(n) {
      if (views) views.textContent = n + (n === 1 ? ' view' : ' views');
    }
    function onMessage(ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (!m || m.v !== 1) return;
      if (m.type === 'hello') {
        ws.send(JSON.stringify({ type: 'subscribe', channel: 'paste:' + id, tab: tabToken() }));
      } else if (m.type === 'subscribed' && typeof m.views === 'number') {
        retry = 1000;
        showViews(m.views);
      } else if (m.id === id && m.type === 'views' && typeof m.views === 'number') {
        showViews(m.views);
      } else if (m.id === id && m.type === 'viewing' && typeof m.viewing === 'number') {
        show(m.viewing);
      }
    }
    function connect() {
      timer = null;
      if (stopped) return;
      var sock = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
      ws = sock;
      sock.addEventListener('message', onMessage);
      sock.addEventListener('close', function () {
        if (ws !== sock) return;          /* an old socket, closed late (after bfcache) */
        viewing.hidden = true;
        ws = null;
        if (stopped) return;
        timer = setTimeout(connect, retry);
        retry = Math.min(retry * 2, 60000);
      });
    }
    connect();
    window.addEventListener('pagehide', function () {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (ws) ws.close(1000);
      ws = null;
    });
    window.addEventListener('pageshow', function (e) {
      if (e.persisted && stopped) { stopped = false; retry = 1000; connect(); }
    });
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

  /* ------------------------------------------------------ auto-detection */

  /* A paste without a language (data-lang="") is labelled by what its text
   * looks like. highlight.js scores a text in each language ("relevance":
   * points for keywords and patterns), and for a long text the best score
   * means something: there the rule stays as it was, the best language when
   * its relevance is 5 or more. For a short text it does not: 4 lines of
   * Python score 4 as Python and as CSS, Kotlin or Ruby alike, and three
   * sentences of English score 10 as VB.NET and 8 as JavaScript (import,
   * print, function, while are words too). So a text of fewer than
   * SHORT_LINES lines gets this rule:
   *   1. A language is a candidate only when the text shows one of its
   *      HALLMARKS below: a construct that language writes and prose does not
   *      (`def f(x):` on a line of its own, `#include <`, `fn main(`,
   *      `SELECT ... FROM t`). Prose shows none, or one by accident.
   *   2. A candidate scores its relevance plus the number of its hallmarks
   *      found; the best candidate is used when it scores at least
   *      4 + 1 per 4 non-blank lines. A 4-line Python function (def, if,
   *      return: relevance 4, 2 hallmarks, needs 5) is labelled; a sentence
   *      that happens to show a hallmark ("My function(s) are done", relevance
   *      2, 1 hallmark) is not. The bar rises with the length because
   *      relevance does.
   * Short code in a language without hallmarks here stays plain text, which
   * is what it showed before too. */
  var SHORT_LINES = 20;

  function parsesAsJson(t) {
    if (!/^\s*[\[{]/.test(t)) return false;
    try { JSON.parse(t); return true; } catch (e) { return false; }
  }

  /* language -> hallmarks (regular expressions, or functions of the text); on a
   * tie the language listed first wins (c before cpp, typescript before javascript) */
  var HALLMARKS = {
    json: [parsesAsJson],
    diff: [/^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/m, /^diff --git /m, /^--- \S[^\n]*\n\+\+\+ \S/m],
    xml: [function (t) {
      return /^\s*<(?:\?xml|!DOCTYPE|[A-Za-z][\w:.-]*)[^<>]*>/i.test(t) && /<\/[A-Za-z][\w:.-]*>|\/>|\?>/.test(t);
    }],
    python: [/^[ \t]*(?:async[ \t]+)?def[ \t]+\w+[ \t]*\(.*\)[ \t]*(?:->.*)?:[ \t]*(?:#.*)?$/m,
             /^[ \t]*class[ \t]+\w+[ \t]*(?:\(.*\))?[ \t]*:[ \t]*$/m,
             /^[ \t]*from[ \t]+\.*[\w.]+[ \t]+import[ \t]+[\w*(]/m,
             /^[ \t]*import[ \t]+[a-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*$/m,
             /^([ \t]*)(?:if|elif|else|while|for|with|try|except|finally)\b[^\n]*:[ \t]*\n\1[ \t]+\S/m,
             /^[ \t]*(?:except\b[^\n]*|try|finally|else):[ \t]*$/m,
             /"""|\bf(["'])[^"'\n]*\{|\[[^\]\n]*\bfor[ \t]+\w+[ \t]+in\b[^\]\n]*\]/,
             /\bself\.\w+/, /^[ \t]*print\(/m],
    typescript: [/^[ \t]*(?:export[ \t]+)?(?:interface|type|enum)[ \t]+[A-Z]\w*(?:<[^>\n]*>)?[ \t]*(?:=|\{|extends\b)/m,
                 /[\w)?][ \t]*:[ \t]*(?:string|number|boolean|void|any|unknown|never)(?:\[\])?[ \t]*[;,)={|]/],
    javascript: [/(?:^|[;{(][ \t]*)(?:const|let|var)[ \t]+[\w$]+[ \t]*=/m, /`[^`\n]*\$\{[^}\n]*\}[^`\n]*`/,
                 /\)[ \t]*=>|=>[ \t]*\{/, /\bconsole\.\w+\(|\bdocument\.\w+|\bwindow\.\w+/,
                 /\brequire\([`'"]|^[ \t]*import\b[^\n]*\bfrom[ \t]+['"]|\bmodule\.exports\b|\bexport[ \t]+(?:default|const|function|class)\b/m,
                 /\bfunction\b[ \t]*[\w$]*[ \t]*\(/],
    c: [/^[ \t]*#[ \t]*(?:include|define|ifn?def|endif|pragma)\b/m,
        /^[ \t]*(?:(?:static|extern|inline|const)[ \t]+)*(?:int|void|char|double|float|long|unsigned|size_t|struct[ \t]+\w+)[ \t]+\**\w+\([^)\n]*\)[ \t]*\{?[ \t]*$/m,
        /\b(?:printf|malloc|free|sizeof|strlen|memcpy)\(/, /\bfor[ \t]*\([^;\n]*;[^;\n]*;[^)\n]*\)/],
    cpp: [/\bstd::|\b(?:cout|cin|endl|nullptr)\b/, /^[ \t]*template[ \t]*<|^[ \t]*namespace\b|^[ \t]*(?:public|private|protected):/m,
          /^[ \t]*#include[ \t]*<\w+>/m, /\bfor[ \t]*\([^;\n]*;[^;\n]*;[^)\n]*\)|\bfor[ \t]*\((?:const[ \t]+)?auto\b/],
    java: [/\b(?:public|private|protected)[ \t]+(?:static[ \t]+|final[ \t]+)*(?:void|int|String|boolean)[ \t]+[a-z]\w*[ \t]*\(/,
           /\bString\[\][ \t]+\w+|@Override\b/, /\bSystem\.out\.print/, /^[ \t]*import[ \t]+java\.|^[ \t]*package[ \t]+[\w.]+;/m],
    csharp: [/^[ \t]*using[ \t]+System\b/m, /\bConsole\.Write/, /^[ \t]*namespace[ \t]+[\w.]+/m, /\bvar[ \t]+\w+[ \t]*=[ \t]*new\b/,
             /\b(?:public|private|internal|protected)[ \t]+(?:static[ \t]+|override[ \t]+|async[ \t]+)*(?:void|string|int|bool|Task)[ \t]+[A-Z]\w*[ \t]*\(/],
    go: [/^package[ \t]+\w+[ \t]*$/m, /\bfunc[ \t]+(?:\([^)]*\)[ \t]*)?\w+[ \t]*\(/, /:=/, /\bfmt\.\w+/, /\berr[ \t]*!=[ \t]*nil\b/,
         /^[ \t]*import[ \t]+[("]/m],
    rust: [/\bfn[ \t]+\w+[ \t]*(?:<[^>\n]*>)?[ \t]*\(/, /\blet[ \t]+mut\b/,
           /\b(?:Some|Ok|Err)\(|&(?:mut[ \t]+|self\b|str\b|'\w)|\bpub(?:\(crate\))?[ \t]+(?:fn|struct|enum|mod|use|trait)\b/,
           /\b[a-z_]+!\(/, /^[ \t]*use[ \t]+\w+(?:::\w+)+/m, /^[ \t]*impl\b/m],
    kotlin: [/\bfun[ \t]+\w+[ \t]*\(/, /\bval[ \t]+\w+[ \t]*[:=]/],
    swift: [/\bfunc[ \t]+\w+[ \t]*\([^)\n]*\)[ \t]*(?:->|\{)/, /\b(?:guard|if)[ \t]+let\b/,
            /^[ \t]*import[ \t]+(?:Foundation|UIKit|SwiftUI)\b/m, /"[^"\n]*\\\([^)\n]*\)[^"\n]*"/],
    ruby: [/^[ \t]*(?:def[ \t]+[\w.]+[?!]?(?:\(.*\))?|class[ \t]+[A-Z]\w*(?:[ \t]*<[ \t]*[\w:]+)?|module[ \t]+[A-Z]\w*)[ \t]*$/m,
           /\bdo[ \t]*\|[^|\n]*\|/, /^[ \t]*puts[ \t]+(?:["'@:]|[\w.]+[ \t]*$)/m, /\battr_(?:accessor|reader|writer)\b/,
           /^[ \t]*end[ \t]*$/m],
    lua: [/\blocal[ \t]+function\b|\blocal[ \t]+\w+(?:[ \t]*,[ \t]*\w+)*[ \t]*=/, /^[ \t]*function[ \t]+[\w.:]+[ \t]*\([^)\n]*\)[ \t]*$/m,
          /^[ \t]*(?:if|elseif)\b[^\n]*\bthen[ \t]*$/m, /~=|\belseif\b|[\w)"]\.\.["A-Za-z_(]/],
    php: [/<\?php/, /\$this->|\$_(?:GET|POST|SERVER|SESSION)\b/, /\bfunction[ \t]+\w+[ \t]*\([ \t]*(?:[\w?\\]+[ \t]+)?\$\w/,
          /^[ \t]*(?:namespace|use)[ \t]+\\?\w+(?:\\\w+)+;/m, /^[ \t]*\$\w+[ \t]*=[^=;\n]*;/m],
    perl: [/\bmy[ \t]+[$@%]\w+/, /\bsub[ \t]+\w+[ \t]*\{/, /^[ \t]*use[ \t]+(?:strict|warnings)\b/m, /=~[ \t]*[ms]?\//,
           /\belsif\b/, /@ARGV|\$[|!@]|\$\$\w|\$\w+\{/],
    bash: [/^[ \t]*(?:then|fi|do|done|esac)[ \t]*(?:[;#].*)?$/m, /^[ \t]*if[ \t]+\[\[?[ \t]/m, /\$\{\w+|\$\([^)\n]*\)/,
           /^[ \t]*(?:sudo|apt|apt-get|npm|pip3?|docker|curl|wget|chmod|mkdir|tar)[ \t]+[-\w./~"'$]/m,
           /^[ \t]*(?:git[ \t]+(?:clone|pull|push|commit|checkout|add|status|log|diff|merge|rebase|fetch|init|branch|tag|remote|config|reset|stash)\b|export[ \t]+[A-Za-z_]\w*=|source[ \t]+[~./$"])/m,
           /^[ \t]*(?:function[ \t]+)?\w+[ \t]*\(\)[ \t]*\{/m, /^[ \t]*[A-Z_][A-Z0-9_]*=\S/m, /^#![ \t]*\/\S*sh\b/,
           /^[ \t]*set[ \t]+-[a-z]+/m, /\becho[ \t]+["'$-]/],
    sql: [/^[ \t]*(?:SELECT|INSERT[ \t]+INTO|UPDATE[ \t]+\w+[ \t]+SET|DELETE[ \t]+FROM)\b/m,
          /^[ \t]*(?:CREATE(?:[ \t]+OR[ \t]+REPLACE)?|ALTER|DROP)[ \t]+(?:TABLE|INDEX|VIEW|DATABASE|FUNCTION|OPERATOR|TYPE|SCHEMA|TRIGGER|EXTENSION|SEQUENCE|PROCEDURE)\b/m,
          /^[ \t]*(?:(?:GRANT|REVOKE)[ \t]+\w+(?:[ \t]*,[ \t]*\w+)*[ \t]+ON|RETURNS[ \t]+\w+|LANGUAGE[ \t]+\w+[ \t]*;?[ \t]*$)/m,
          /\bVALUES[ \t]*\(|\b(?:GROUP BY|ORDER BY|PRIMARY KEY|NOT NULL|INNER JOIN|LEFT JOIN)\b/,
          /\bFROM[ \t]+[\w."]+(?:[ \t]+(?:AS[ \t]+)?\w+)?[ \t]*(?:$|WHERE\b|JOIN\b|[,;)])|\bWHERE[ \t]+[\w.]+[ \t]*(?:[=<>!]|IN\b|IS\b|LIKE\b)/m,
          /^[ \t]*(?:select|insert[ \t]+into|update|delete[ \t]+from|create[ \t]+table|alter[ \t]+table|drop[ \t]+table)\b[^;\n]*;[ \t]*$/m],
    css: [function (t) {      /* a selector and a declaration */
      return /^[ \t]*[^{}\n;=()]*[\w\])*][ \t]*\{(?:[ \t]*$|[^{}\n]*\})/m.test(t) &&
        /^[ \t]*[\w-]+[ \t]*:[ \t]*[^;{}\n]+;[ \t]*$|\{[ \t]*[\w-]+[ \t]*:[^;{}\n]+;[^{}\n]*\}/m.test(t);
    }],
    scss: [/^[ \t]*\$[\w-]+[ \t]*:/m, /^[ \t]*&[:.\w-]/m, /@(?:mixin|include|extend)\b/],
    less: [/^[ \t]*@[\w-]+[ \t]*:/m, /\.[\w-]+\(\);/],
    yaml: [/^([ \t]*)(?:- )?[\w.-]+:[ \t]*\n\1[ \t]+(?:- )?[\w.-]+:/m, /^[\w.-]+:[ \t]*\n[ \t]+- /m],
    ini: [function (t) { return /^[ \t]*\[[\w. "-]+\][ \t]*$/m.test(t) && /^[ \t]*[\w.-]+[ \t]*=[ \t]*\S/m.test(t); }],
    makefile: [/^[\w.%\/$()-]+[ \t]*:(?!=)[^\n]*\n\t\S/m, /^\w+[ \t]*(?::=|\?=|\+=)/m, /^\.PHONY[ \t]*:|\$\(\w+\)|\$[@<^]/m],
    r: [/\w[ \t]*<-[ \t]*\S/, /\blibrary\(\w+\)/, /\bc\([^)\n]*\)/],
    graphql: [/^[ \t]*(?:query|mutation|subscription|fragment)\b[^{\n]*\{/m, /^[ \t]*(?:type|input|schema)[ \t]+\w+[^{\n]*\{/m],
    objectivec: [/^[ \t]*@(?:interface|implementation|property|end|protocol)\b/m, /^[ \t]*#import\b/m, /@"/, /\bNS[A-Z]\w+/],
  };

  /* The language of text (no more than MAX_DETECT characters): a highlight.js
   * result with .language, or null for plain text. */
  function detectLanguage(hljs, text) {
    var rows = text.split('\n'), n = 0;
    if (rows.length >= SHORT_LINES) {
      var guess = hljs.highlightAuto(text);
      return guess.language && guess.relevance >= 5 ? guess : null;
    }
    for (var i = 0; i < rows.length; i++) if (/\S/.test(rows[i])) n++;
    var best = null, bestScore = 0;
    for (var name in HALLMARKS) {
      if (!hljs.getLanguage(name)) continue;
      var hits = 0;
      for (var k = 0; k < HALLMARKS[name].length; k++) {
        var h = HALLMARKS[name][k];
        if (typeof h === 'function' ? h(text) : h.test(text)) hits++;
      }
      if (!hits) continue;
      var r = hljs.highlight(text, { language: name, ignoreIllegals: false });
      if (r.illegal) continue;
      if (r.relevance + hits > bestScore) { best = r; bestScore = r.relevance + hits; }
    }
    return best && bestScore >= 4 + Math.floor(n / 4) ? best : null;
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
        var guess = detectLanguage(hljs, text.slice(0, MAX_DETECT));
        if (guess) {
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

  /* The line mark in the address: #L3 or #L3-L7; on an encrypted paste's
   * page the key comes first (#KEY&L3) and stays when a mark is set. */
  function lineHash() {
    var h = location.hash;
    if (keyPart === null) return h;
    var amp = h.indexOf('&');
    return amp < 0 ? '' : '#' + h.slice(amp + 1);
  }

  function setLineHash(hash) {
    history.replaceState(null, '', keyPart === null ? hash : '#' + keyPart + '&' + hash.slice(1));
  }

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
    markLines(parseRange(lineHash()), true);
    window.addEventListener('hashchange', function () {
      markLines(parseRange(lineHash()), true);
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
      setLineHash(hash);
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

  /* ----------------------------------------------------- encrypted pastes */

  /* PrivateBin's v2 format, so that PrivateBin's own clients (pbincli) and
   * pasted read each other's pastes:
   *   key     32 random bytes, in the link after # as base58 (Bitcoin alphabet)
   *   adata   [[b64(iv 16), b64(salt 8), 100000, 256, 128, "aes", "gcm", "zlib"|"none"],
   *            formatter, opendiscussion 0|1, burnafterreading 0|1]
   *   AES-256-GCM key = PBKDF2-HMAC-SHA256(key bytes + UTF-8(password), salt, 100000)
   *   the sealed text = UTF-8 of JSON {"paste": TEXT} (pasted adds "lang" when one was
   *   chosen; PrivateBin ignores it), raw-deflated when "zlib"; additional data =
   *   JSON.stringify(adata); ct = b64(ciphertext + 128-bit tag).
   * WebCrypto and (De)CompressionStream only; written without newer syntax, so
   * that a browser without them still runs the rest of this file. The text and
   * the key never leave the browser: the server gets adata and ct only. */

  var B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  var KDF_ITERATIONS = 100000;
  var MAX_ITERATIONS = 10000000;           /* a stored document asking for more is refused */
  var MAX_PLAIN = 64 * 1024 * 1024;        /* inflated bytes accepted (a deflate bomb stops here) */
  var EXPIRE_NAMES = { '10m': '10min', '1h': '1hour', '1d': '1day', '1w': '1week',
                       '1mo': '1month', 'never': 'never' };
  var decryptedText = null;                /* the text of a decrypted paste, for copy and download */
  var keyPart = null;                      /* on an encrypted page: the key, kept in front of #L marks */

  function cryptoReady() {
    if (!(window.crypto && window.crypto.subtle && window.crypto.getRandomValues &&
          typeof CompressionStream === 'function' && typeof DecompressionStream === 'function' &&
          typeof TextEncoder === 'function' && typeof TextDecoder === 'function' &&
          typeof Blob === 'function' && Blob.prototype.stream && window.Promise))
      return false;
    try {                                  /* 'deflate-raw' came later than the streams */
      new CompressionStream('deflate-raw');
      new DecompressionStream('deflate-raw');
    } catch (e) {
      return false;
    }
    return true;
  }

  function b58encode(bytes) {
    var digits = [];                       /* base 58, least significant first */
    for (var i = 0; i < bytes.length; i++) {
      var carry = bytes[i];
      for (var j = 0; j < digits.length; j++) {
        carry += digits[j] * 256;
        digits[j] = carry % 58;
        carry = Math.floor(carry / 58);
      }
      while (carry) { digits.push(carry % 58); carry = Math.floor(carry / 58); }
    }
    var out = '';
    for (var k = 0; k < bytes.length && bytes[k] === 0; k++) out += '1';
    for (var m = digits.length - 1; m >= 0; m--) out += B58.charAt(digits[m]);
    return out;
  }

  /* Bytes, or null for a character outside the alphabet. */
  function b58decode(s) {
    var bytes = [];                        /* base 256, least significant first */
    for (var i = 0; i < s.length; i++) {
      var carry = B58.indexOf(s.charAt(i));
      if (carry < 0) return null;
      for (var j = 0; j < bytes.length; j++) {
        carry += bytes[j] * 58;
        bytes[j] = carry & 255;
        carry >>= 8;
      }
      while (carry) { bytes.push(carry & 255); carry >>= 8; }
    }
    var zeros = 0;
    while (zeros < s.length && s.charAt(zeros) === '1') zeros++;
    var out = new Uint8Array(zeros + bytes.length);
    for (var k = 0; k < bytes.length; k++) out[zeros + k] = bytes[bytes.length - 1 - k];
    return out;
  }

  function b64encode(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i += 0x8000)
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }

  /* Bytes, or null when it is not base64. */
  function b64decode(s) {
    if (typeof s !== 'string') return null;
    var bin;
    try { bin = atob(s); } catch (e) { return null; }
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function utf8(s) { return new TextEncoder().encode(s); }

  function randomBytes(n) {
    var b = new Uint8Array(n);
    window.crypto.getRandomValues(b);
    return b;
  }

  function concatBytes(a, b) {
    var out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  /* Bytes through a (De)CompressionStream; more than `limit` bytes out is an error. */
  function transformBytes(bytes, transform, limit) {
    var reader = new Blob([bytes]).stream().pipeThrough(transform).getReader();
    var chunks = [], total = 0;
    function next() {
      return reader.read().then(function (r) {
        if (r.done) {
          var out = new Uint8Array(total), at = 0;
          for (var i = 0; i < chunks.length; i++) { out.set(chunks[i], at); at += chunks[i].length; }
          return out;
        }
        total += r.value.length;
        if (total > limit) {
          reader.cancel().catch(function () {});
          throw new CryptError('damaged', 'too large');
        }
        chunks.push(r.value);
        return next();
      });
    }
    return next();
  }

  function CryptError(kind, detail) {
    this.kind = kind;                      /* 'key': wrong key or password; 'damaged': bad document */
    this.message = detail || kind;
  }

  function sayToUser(text) {
    var e = new Error(text);
    e.forUser = true;
    return e;
  }

  function deriveKey(key, password, salt, iterations, bits, usage) {
    var secret = password ? concatBytes(key, utf8(password)) : key;
    var subtle = window.crypto.subtle;
    return subtle.importKey('raw', secret, 'PBKDF2', false, ['deriveKey']).then(function (base) {
      return subtle.deriveKey({ name: 'PBKDF2', salt: salt, iterations: iterations, hash: 'SHA-256' },
                              base, { name: 'AES-GCM', length: bits }, false, [usage]);
    });
  }

  /* Resolves { adata, ct, key } (key: the 32 bytes for the link). */
  function encryptText(text, password, formatter, burn, lang) {
    var key = randomBytes(32), iv = randomBytes(16), salt = randomBytes(8);
    var adata = [[b64encode(iv), b64encode(salt), KDF_ITERATIONS, 256, 128, 'aes', 'gcm', 'zlib'],
                 formatter, 0, burn ? 1 : 0];
    var message = { paste: text };
    if (lang) message.lang = lang;
    return Promise.all([
      deriveKey(key, password, salt, KDF_ITERATIONS, 256, 'encrypt'),
      transformBytes(utf8(JSON.stringify(message)), new CompressionStream('deflate-raw'), Infinity)
    ]).then(function (r) {
      return window.crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: iv, additionalData: utf8(JSON.stringify(adata)), tagLength: 128 },
        r[0], r[1]);
    }).then(function (sealed) {
      return { adata: adata, ct: b64encode(new Uint8Array(sealed)), key: key };
    });
  }

  /* Resolves the message ({paste: TEXT, ...}); rejects with a CryptError. */
  function decryptDocument(stored, key, password) {
    var spec = stored && stored.v === 2 && Array.isArray(stored.adata) && Array.isArray(stored.adata[0])
      ? stored.adata[0] : null;
    var iv = spec && b64decode(spec[0]), salt = spec && b64decode(spec[1]);
    var ct = stored && b64decode(stored.ct);
    if (!spec || !iv || !iv.length || !salt || !ct ||
        typeof spec[2] !== 'number' || spec[2] < 1 || spec[2] > MAX_ITERATIONS || spec[2] % 1 ||
        [128, 192, 256].indexOf(spec[3]) < 0 || [96, 104, 112, 120, 128].indexOf(spec[4]) < 0 ||
        spec[5] !== 'aes' || spec[6] !== 'gcm' || (spec[7] !== 'zlib' && spec[7] !== 'none'))
      return Promise.reject(new CryptError('damaged', 'not a PrivateBin v2 document'));
    return deriveKey(key, password, salt, spec[2], spec[3], 'decrypt').then(function (k) {
      return window.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: iv, additionalData: utf8(JSON.stringify(stored.adata)), tagLength: spec[4] },
        k, ct).then(null, function () { throw new CryptError('key'); });
    }).then(function (plain) {
      plain = new Uint8Array(plain);
      return spec[7] === 'zlib'
        ? transformBytes(plain, new DecompressionStream('deflate-raw'), MAX_PLAIN) : plain;
    }).then(function (bytes) {
      var message;
      try { message = JSON.parse(new TextDecoder().decode(bytes)); } catch (e) { message = null; }
      if (!message || typeof message !== 'object') throw new CryptError('damaged', 'not JSON');
      if (typeof message.paste !== 'string') message.paste = '';
      return message;
    }, function (e) {
      throw e instanceof CryptError ? e : new CryptError('damaged', String(e && e.message));
    });
  }

  /* The key of this page's link: { bytes } or { missing } or { damaged }.
   * The fragment is KEY, KEY&L3 or KEY&L3-L7 (a line mark after the key);
   * a leading "-" (PrivateBin's "load on click" links) is dropped. */
  function linkKey() {
    var h = location.hash.replace(/^#-?/, '');
    var amp = h.indexOf('&');
    var k = amp < 0 ? h : h.slice(0, amp);
    if (!k || /^L\d+(-L?\d+)?$/.test(k)) return { missing: true };
    var bytes = /^[1-9A-HJ-NP-Za-km-z]{30,}$/.test(k) ? b58decode(k) : null;
    if (!bytes || bytes.length > 32) return { damaged: true };
    if (bytes.length < 32) bytes = concatBytes(new Uint8Array(32 - bytes.length), bytes);
    return { bytes: bytes, text: k };
  }

  /* Rows exactly as html.c's put_code() writes them. */
  function fillCode(table, text, lang) {
    var wrap = table.parentNode;
    if (wrap && !wrap.classList.contains('code-wrap')) {   /* the plain page's scrolling frame */
      var div = el('div', 'code-wrap');
      wrap.insertBefore(div, table);
      div.appendChild(table);
    }
    var body = table.tBodies[0] || table.appendChild(doc.createElement('tbody'));
    while (body.firstChild) body.removeChild(body.firstChild);
    var n = text.length, at = 0, line = 1, crlf = false, lf = false;
    do {
      var nl = text.indexOf('\n', at);
      var end = nl < 0 ? n : nl;
      var s = text.slice(at, end);
      if (nl >= 0) {
        if (s.charAt(s.length - 1) === '\r') { s = s.slice(0, -1); crlf = true; } else lf = true;
      }
      var tr = doc.createElement('tr');
      tr.id = 'L' + line;
      var ln = el('td', 'ln'), a = el('a', null, String(line));
      a.setAttribute('href', '#L' + line);
      ln.appendChild(a);
      tr.appendChild(ln);
      tr.appendChild(el('td', 'lc', s));
      body.appendChild(tr);
      line++;
      at = end + 1;
    } while (at < n);
    table.setAttribute('data-lang', lang || '');
    if (crlf && !lf) table.setAttribute('data-eol', 'crlf'); else table.removeAttribute('data-eol');
    if (n && text.charAt(n - 1) === '\n') table.setAttribute('data-final-eol', '');
    else table.removeAttribute('data-final-eol');
  }

  function pasteIdOfPage() {
    var m = /^\/([A-Za-z0-9_-]+)/.exec(location.pathname) ||
            /^\?(?:pasteid=)?([A-Za-z0-9_-]+)/.exec(location.search);
    return m ? m[1] : 'paste';
  }

  function downloadText(text, name) {
    var url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    var a = doc.createElement('a');
    a.href = url;
    a.download = name;
    a.className = 'offscreen';
    doc.body.appendChild(a);
    a.click();
    doc.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  /* The paste page of an encrypted paste (#encrypted-paste holds the stored
   * document): decrypt with the link's key, ask for a password when that
   * fails, then show the text like any paste. Returns whether this is one. */
  function setupEncrypted() {
    var data = byId('encrypted-paste'), table = byId('code');
    if (!data || !table) return false;
    var status = byId('decrypt-status'), form = byId('decrypt-password'), input = byId('paste-password');
    function say(text, isError) {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle('error', !!isError);
    }
    if (!cryptoReady()) {
      say('This browser cannot decrypt the paste: it needs a recent browser and a secure (HTTPS) connection.', true);
      return true;
    }
    var stored;
    try { stored = JSON.parse(data.textContent); } catch (e) { stored = null; }
    var key = null, done = false, tried = false, busy = false;
    /* the key from the link; false when there is none to try */
    function readKey() {
      key = linkKey();
      if (form) form.hidden = true;
      if (key.missing) say('This link has no key (the part after #): the paste cannot be decrypted.', true);
      else if (key.damaged) say('This link\'s key (the part after #) is damaged: the paste cannot be decrypted.', true);
      if (!key.bytes) return false;
      keyPart = key.text;
      return true;
    }
    /* a key typed or pasted into the address later: the page does not reload */
    window.addEventListener('hashchange', function () {
      var next = linkKey();
      if (done || busy || (next.text && next.text === keyPart)) return;
      tried = false;
      if (readKey()) attempt('');
    });

    function shown(message) {
      done = true;
      decryptedText = message.paste;
      var lang = typeof message.lang === 'string' && /^[A-Za-z0-9+#._-]{1,32}$/.test(message.lang)
        ? message.lang.toLowerCase() : '';
      fillCode(table, decryptedText, lang);
      if (form) form.hidden = true;
      say(message.attachment_name
        ? 'This paste also has an attached file, which this page does not show.' : '');
      if (status && !status.textContent) status.hidden = true;
      var copy = byId('copy');
      if (copy) setupCopyButton(copy);
      var dl = byId('download-decrypted');
      if (dl) {
        dl.hidden = false;
        dl.addEventListener('click', function () {
          downloadText(decryptedText, 'paste-' + pasteIdOfPage() + '.txt');
        });
      }
      setupWrap();
      highlight();
      setupLines();
    }
    function failed(e) {
      busy = false;
      if (e && e.kind === 'key') {
        if (form && !tried) {
          form.hidden = false;
          say('This paste has a password. If you were given none, the link is damaged or incomplete.');
          if (input) input.focus();
        } else {
          say('Wrong password, or a damaged link: the paste cannot be decrypted.', true);
          if (input) { input.focus(); input.select(); }
        }
      } else {
        say('This paste\'s data is damaged: it cannot be decrypted.', true);
      }
    }
    function attempt(password) {
      busy = true;
      say('Decrypting…');
      decryptDocument(stored, key.bytes, password).then(shown, failed);
    }
    if (form) {
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        if (busy) return;
        tried = true;
        attempt(input ? input.value : '');
      });
    }
    if (readKey()) attempt('');
    return true;
  }

  /* The home form's "Encrypt in the browser": the text is encrypted here and
   * only the ciphertext is posted, as PrivateBin's JSON API; the link gets
   * the key after #. Without this file the checkbox stays hidden, and the
   * server refuses a form post that asks for encryption. */
  function setupEncryptForm() {
    var form = byId('paste-form'), box = form && form.querySelector('.encrypt-options');
    var check = byId('encrypt'), pass = byId('encrypt-password');
    if (!form || !check) return;
    if (box) {
      box.hidden = false;
      var inner = box.querySelectorAll('[hidden]');
      for (var i = 0; i < inner.length; i++) inner[i].hidden = false;
    }
    check.hidden = false;
    var ready = cryptoReady();
    if (!ready) {
      check.checked = false;
      check.disabled = true;
      check.title = 'Needs a recent browser and a secure (HTTPS) connection';
    }
    /* a title would be stored as it is: an encrypted paste has none */
    var title = byId('title'), titleHint = title ? title.title : '';
    function sync() {
      if (pass) pass.disabled = !check.checked;
      if (title) {
        title.disabled = check.checked;
        title.title = check.checked ? 'An encrypted paste has no title (it would be stored unencrypted)' : titleHint;
      }
    }
    check.addEventListener('change', sync);
    sync();

    var button = form.querySelector('button[type=submit]');
    var error = null, busy = false;
    function showError(text) {
      if (!error) {
        error = el('p', 'form-error');
        error.id = 'encrypt-error';
        error.setAttribute('role', 'alert');
        var at = button && button.parentNode ? button.parentNode : form;
        at.appendChild(error);
      }
      error.textContent = text;
      error.hidden = !text;
    }

    function send() {
      if (busy) return;
      var content = form.elements.content;
      var text = content ? content.value : '';
      if (!ready) { showError('This browser cannot encrypt: it needs a recent browser and HTTPS.'); return; }
      if (!text) { showError('There is nothing to encrypt.'); return; }
      busy = true;
      showError('');
      if (button) button.disabled = true;
      var expire = form.elements.expire ? form.elements.expire.value : '';
      var burn = !!(form.elements.burn && form.elements.burn.checked);
      var langEl = form.elements.lang;
      var lang = langEl && langEl.value ? langEl.value : '';
      var views = form.elements.views_left ? String(form.elements.views_left.value || '').trim() : '';
      var key58;
      Promise.resolve().then(function () {
        return encryptText(text, pass && !pass.disabled ? pass.value : '',
                           lang && lang !== 'plaintext' ? 'syntaxhighlighting' : 'plaintext', burn, lang);
      })
        .then(function (sealed) {
          key58 = b58encode(sealed.key);
          var req = { v: 2, adata: sealed.adata, ct: sealed.ct, meta: {} };
          if (expire) req.meta.expire = EXPIRE_NAMES.hasOwnProperty(expire) ? EXPIRE_NAMES[expire] : expire;
          if (views) req.views_left = /^\d+$/.test(views) ? parseInt(views, 10) : views;
          return fetch('/', {
            method: 'POST',
            headers: { 'X-Requested-With': 'JSONHttpRequest', 'Content-Type': 'application/json' },
            body: JSON.stringify(req),
            credentials: 'same-origin',
            cache: 'no-store'
          }).then(null, function () { throw sayToUser('The server could not be reached; nothing was saved.'); });
        })
        .then(function (res) {
          return res.text().then(function (body) {
            var j = null;
            try { j = JSON.parse(body); } catch (e) { j = null; }
            if (j && j.status === 0 && typeof j.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(j.id))
              return j;
            throw sayToUser(j && typeof j.message === 'string' && j.message
              ? 'Not saved: ' + j.message : 'Not saved: the server answered HTTP ' + res.status + '.');
          });
        })
        .then(function (j) {
          /* a paste limited to one read (or N) must not be read by its maker:
           * ?created=1 is the page with the link only, as for plain pastes */
          var limited = burn || (views && views !== '0');
          location.assign('/' + j.id + (limited ? '?created=1' : '') + '#' + key58);
        })
        .then(null, function (e) {
          busy = false;
          if (button) button.disabled = false;
          showError(e && e.forUser ? e.message : 'The paste could not be encrypted; nothing was sent.');
        });
    }

    form.addEventListener('submit', function (e) {
      if (!check.checked) return;
      e.preventDefault();
      send();
    });
    form.encryptAndSend = function () { if (check.checked) { send(); return true; } return false; };
  }

  /* The "your paste is ready" page of a burn (or view-limited) encrypted
   * paste: the link to share needs the key the form put after #. */
  function setupCreatedLink() {
    var share = byId('share-url');
    if (!share || !doc.querySelector('article.created')) return;
    var key = linkKey();
    if (!key.bytes) return;
    share.value = share.value.replace(/#.*$/, '') + '#' + key.text;
  }

  /* ------------------------------------------------------------------ go */

  function start() {
    refreshTimes();
    setInterval(refreshTimes, 30000);
    var encrypted = setupEncrypted();   /* decrypts, then shows the code as below */
    setupCopy(encrypted);
    setupForm();
    setupEncryptForm();
    setupCreatedLink();
    setupLive();
    setupPresence();
    if (!encrypted) {
      setupWrap();
      highlight();
      setupLines();
    }
  }

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
  else start();
})();
