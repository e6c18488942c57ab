/* zhan search: queries the static index in search/ (written at build time)
   and shows results as you type. No framework, nothing from another site.
   The tokenizer mirrors src/write/search/tokens.rs line for line; the cases
   in tests/search/tokens.json keep the two in step. Works in browsers (it
   sets window.zhanSearch and attaches to the search page) and in Node
   (module.exports), where the tests run it against a built index. */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.zhanSearch = api;
    if (typeof document !== "undefined") {
      var script = document.currentScript;
      var start = function () { api.attach(document, script); };
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
      } else {
        start();
      }
    }
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var MAX_GRAM = 2;
  var TITLE = 0, SUMMARY = 1, BODY = 2;
  var WEIGHTS = [8, 3, 1];
  var PAGE = 10;

  // ---- tokenizer ---------------------------------------------------------

  function normalizeCode(cp) {
    if (cp >= 0xff01 && cp <= 0xff5e) { cp -= 0xfee0; }
    else if (cp === 0x3000) { cp = 0x20; }
    if (cp >= 0x41 && cp <= 0x5a) { cp += 0x20; }
    return cp;
  }

  function isCjk(cp) {
    return (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x3040 && cp <= 0x30ff) ||
      (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0x20000 && cp <= 0x2ffff);
  }

  function isWord(cp) {
    return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39);
  }

  function isSeparator(cp) {
    return cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
      cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000 || cp === 0xfeff;
  }

  function normalized(text) {
    var out = "";
    for (var ch of text) { out += String.fromCodePoint(normalizeCode(ch.codePointAt(0))); }
    return out;
  }

  /* The units of a normalised text: {text, adjacent}. */
  function units(text) {
    var out = [];
    var adjacent = false;
    var word = "";
    for (var ch of text) {
      var cp = ch.codePointAt(0);
      if (isWord(cp)) { word += ch; continue; }
      if (word) { out.push({ text: word, adjacent: adjacent }); adjacent = true; word = ""; }
      if (isSeparator(cp)) { adjacent = false; }
      else { out.push({ text: ch, adjacent: adjacent }); adjacent = true; }
    }
    if (word) { out.push({ text: word, adjacent: adjacent }); }
    return out;
  }

  /* The phrases of a query: each a list of tokens (one, or the overlapping
     pairs of units), and whether it is one Chinese character. */
  function query(text) {
    var phrases = [];
    units(normalized(text)).forEach(function (unit) {
      if (unit.adjacent && phrases.length) { phrases[phrases.length - 1].push(unit.text); }
      else { phrases.push([unit.text]); }
    });
    return phrases.filter(function (parts) {
      // A lone punctuation mark is no token: it asks for nothing.
      var cp = parts[0].codePointAt(0);
      return parts.length > 1 || isCjk(cp) || isWord(cp);
    }).map(function (parts) {
      var tokens = [];
      if (parts.length <= MAX_GRAM) { tokens.push(parts); }
      else {
        for (var i = 0; i + MAX_GRAM <= parts.length; i++) { tokens.push(parts.slice(i, i + MAX_GRAM)); }
      }
      return { tokens: tokens, text: parts.join(""), singleCharacter: parts.length === 1 && isCjk(parts[0].codePointAt(0)) };
    });
  }

  var encoder = typeof TextEncoder !== "undefined" ? new TextEncoder() : null;

  /* Keys are 64-bit; a JavaScript number holds 53 bits (and BigInt is newer
     than some phones), so a 64-bit value is kept as [high, low] 32-bit
     halves. */
  function mul64(a, b) {
    // The low 64 bits of a × b: the low halves' full product from 16-bit
    // pieces (each product exact in a double), the rest modulo 2^32.
    var a0 = a[1] & 0xffff, a1 = a[1] >>> 16, b0 = b[1] & 0xffff, b1 = b[1] >>> 16;
    var p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
    var mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    var low = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
    var carry = a1 * b1 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + Math.floor(mid / 65536);
    var high = (carry + Math.imul(a[0], b[1]) + Math.imul(a[1], b[0])) >>> 0;
    return [high, low];
  }
  function xor64(a, b) { return [(a[0] ^ b[0]) >>> 0, (a[1] ^ b[1]) >>> 0]; }
  function rotl21(v) { return [((v[0] << 21) | (v[1] >>> 11)) >>> 0, ((v[1] << 21) | (v[0] >>> 11)) >>> 0]; }

  var WORD_BASIS = [0xcbf29ce4, 0x84222325], WORD_PRIME = [0x100, 0x1b3];
  var SINGLE = [0xc6a4a793, 0x5bd1e995], SPREAD = [0x9e3779b9, 0x7f4a7c15];

  /* A unit's value: a character that is not a word is worth its code point;
     a word the FNV-1a hash of its bytes, top bit set. */
  function unitValue(unit) {
    var cp = unit.codePointAt(0);
    if (Array.from(unit).length === 1 && !isWord(cp)) { return [0, cp]; }
    var bytes = encoder.encode(unit), state = WORD_BASIS;
    for (var i = 0; i < bytes.length; i++) { state = mul64([state[0], (state[1] ^ bytes[i]) >>> 0], WORD_PRIME); }
    return [(state[0] | 0x80000000) >>> 0, state[1]];
  }

  /* A token's key, from its units (one or two; more are folded as a pair
     is): the high half, and the low half with its three low bits left free
     (the index keeps fields there). */
  function key(tokenUnits) {
    var values = tokenUnits.map(unitValue), x;
    if (values.length === 1) {
      x = xor64(values[0], SINGLE);
    } else {
      x = values.slice(1).reduce(function (folded, v) { return xor64(rotl21(folded), v); }, values[0]);
    }
    var k = mul64(x, SPREAD);
    return { h1: k[0], h2: (k[1] & 0xfffffff8) >>> 0 };
  }

  // ---- the index ---------------------------------------------------------

  function readVarint(view, at) {
    var value = 0, shift = 0, b;
    do {
      b = view.getUint8(at.pos++);
      value += (b & 0x7f) * Math.pow(2, shift);
      shift += 7;
    } while (b & 0x80);
    return value;
  }

  /* One field's pages, as a sorted array; or skips it (decode false). */
  function readPostings(view, at, decode) {
    var header = readVarint(view, at);
    var docs = [];
    if (header === 0) { return docs; }
    var n = Math.floor(header / 2);
    if (header % 2 === 1) {
      if (decode) {
        for (var i = 0; i < n; i++) {
          var byte = view.getUint8(at.pos + i);
          for (var bit = 0; bit < 8; bit++) { if (byte & (1 << bit)) { docs.push(i * 8 + bit); } }
        }
      }
      at.pos += n;
    } else {
      var previous = -1;
      for (var j = 0; j < n; j++) {
        var delta = readVarint(view, at);
        previous = previous + delta + 1;
        if (decode) { docs.push(previous); }
      }
    }
    return docs;
  }

  /* The three fields' pages of the token with this key in a shard. */
  function lookup(buffer, k) {
    var view = new DataView(buffer);
    var at = { pos: 0 };
    while (at.pos < view.byteLength) {
      var h1 = view.getUint32(at.pos, true), h2 = view.getUint32(at.pos + 4, true);
      at.pos += 8;
      var found = h1 === k.h1 && h2 === k.h2;
      var fields = [readPostings(view, at, found), readPostings(view, at, found), readPostings(view, at, found)];
      if (found) { return fields; }
    }
    return [[], [], []];
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; }
      else if (a[i] < b[j]) { i++; } else { j++; }
    }
    return out;
  }

  /* A searcher over the index at `base` (the site's address, ending in /).
     `fetchBytes(url)` and `fetchJson(url)` default to the browser's fetch. */
  function createSearch(options) {
    var base = options.base || "/";
    var fetchJson = options.fetchJson || function (url) {
      return fetch(url).then(function (r) { if (!r.ok) { throw new Error(url + ": " + r.status); } return r.json(); });
    };
    var fetchBytes = options.fetchBytes || function (url) {
      return fetch(url).then(function (r) { if (!r.ok) { throw new Error(url + ": " + r.status); } return r.arrayBuffer(); });
    };
    var manifest = null, table = null;
    var shards = {}, chunks = {};

    function ready() {
      if (!manifest) {
        manifest = fetchJson(base + "search/index.json").then(function (m) {
          table = fetchJson(base + "search/docs.json?v=" + m.v);
          return m;
        });
      }
      return manifest.then(function (m) { return table.then(function (t) { return { manifest: m, table: t }; }); });
    }

    function shard(m, n) {
      if (!shards[n]) { shards[n] = fetchBytes(base + "search/s/" + n + ".bin?v=" + m.v); }
      return shards[n];
    }

    function postings(m, token) {
      var k = key(token);
      return shard(m, k.h1 % m.shards).then(function (buffer) { return lookup(buffer, k); });
    }

    /* Pages matching `text`, best first: [{doc, score}], with counts by kind
       and category before filtering, and the phrases (for highlighting). */
    function search(text, filters) {
      filters = filters || {};
      var phrases = query(text || "");
      if (!phrases.length) { return Promise.resolve({ total: 0, results: [], phrases: [], kinds: {}, categories: {} }); }
      return ready().then(function (index) {
        var m = index.manifest, t = index.table;
        return Promise.all(phrases.map(function (phrase) {
          return Promise.all(phrase.tokens.map(function (token) { return postings(m, token); })).then(function (lists) {
            var fields = [TITLE, SUMMARY, BODY].map(function (f) {
              if (f === BODY && phrase.singleCharacter) { return []; }
              return lists.map(function (l) { return l[f]; }).reduce(intersect);
            });
            return fields;
          });
        })).then(function (perPhrase) {
          var scores = null;
          perPhrase.forEach(function (fields) {
            var here = {};
            fields.forEach(function (docs, f) {
              docs.forEach(function (d) { here[d] = (here[d] || 0) + WEIGHTS[f]; });
            });
            if (scores === null) { scores = here; }
            else {
              var kept = {};
              Object.keys(here).forEach(function (d) { if (d in scores) { kept[d] = scores[d] + here[d]; } });
              scores = kept;
            }
          });
          var kinds = {}, categories = {}, results = [];
          // A title that is the query itself comes first.
          var whole = phrases.length === 1 ? Array.from(phrases[0].text).length : -1;
          var inTitle = new Set(perPhrase[0][TITLE]);
          Object.keys(scores).forEach(function (d) {
            var doc = Number(d);
            var kind = t.k.charCodeAt(doc) - 48, category = t.c.charCodeAt(doc) - 48;
            var length = t.l.charCodeAt(doc) - 48;
            if (length === whole && inTitle.has(doc)) { scores[d] += 10; }
            kinds[kind] = (kinds[kind] || 0) + 1;
            if (category > 0) { categories[category] = (categories[category] || 0) + 1; }
            if (filters.kind !== undefined && filters.kind !== null && filters.kind !== "" && Number(filters.kind) !== kind) { return; }
            if (filters.category && Number(filters.category) !== category) { return; }
            results.push({ doc: doc, score: scores[d], kind: kind, length: length });
          });
          results.sort(function (a, b) { return b.score - a.score || a.length - b.length || a.kind - b.kind || a.doc - b.doc; });
          return { total: results.length, results: results, phrases: phrases, kinds: kinds, categories: categories, table: t };
        });
      });
    }

    /* What a result shows: {u, t, k, s, c, x}. */
    function fragment(doc) {
      return ready().then(function (index) {
        var m = index.manifest;
        var n = Math.floor(doc / m.chunk);
        if (!chunks[n]) { chunks[n] = fetchJson(base + "search/f/" + n + ".json?v=" + m.v); }
        return chunks[n].then(function (list) { return list[doc % m.chunk]; });
      });
    }

    return { search: search, fragment: fragment, ready: ready };
  }

  // ---- highlighting ------------------------------------------------------

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  /* Where the phrases occur in `text`: [[start, end]] in characters. */
  function matches(text, phrases) {
    var chars = Array.from(normalized(text));
    var ranges = [];
    phrases.forEach(function (p) {
      var needle = Array.from(p.text);
      if (!needle.length) { return; }
      for (var i = 0; i + needle.length <= chars.length; i++) {
        var ok = true;
        for (var j = 0; j < needle.length && ok; j++) { ok = chars[i + j] === needle[j]; }
        if (ok) { ranges.push([i, i + needle.length]); i += needle.length - 1; }
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    return ranges;
  }

  /* `text` as HTML with the phrases marked; around the first match when
     `around` characters are given. */
  function highlight(text, phrases, around) {
    var chars = Array.from(text);
    var ranges = matches(text, phrases);
    var from = 0, to = chars.length, prefix = "", suffix = "";
    if (around) {
      var first = ranges.length ? ranges[0][0] : 0;
      from = Math.max(0, first - around);
      to = Math.min(chars.length, from + around * 3);
      if (from > 0) { prefix = "…"; }
      if (to < chars.length) { suffix = "…"; }
    }
    var html = "", at = from;
    ranges.forEach(function (r) {
      if (r[0] < at || r[1] > to) { return; }
      html += escapeHtml(chars.slice(at, r[0]).join("")) + "<mark>" + escapeHtml(chars.slice(r[0], r[1]).join("")) + "</mark>";
      at = r[1];
    });
    html += escapeHtml(chars.slice(at, to).join(""));
    return prefix + html.replace(/\n/g, " ") + suffix;
  }

  // ---- the index as scripts (a site opened from disk) --------------------

  /* Loads `search/x.json` or `search/s/n.bin` from the script of the same
     name ending in .js, which calls zhanSearchData(name, data). */
  function scriptLoader(doc) {
    var pending = {};
    var global = doc.defaultView || self;
    global.zhanSearchData = function (name, data) {
      if (pending[name]) { pending[name].resolve(data); }
    };
    return function (url) {
      var path = url.replace(/\?.*$/, "");
      var name = path.slice(path.lastIndexOf("search/") + "search/".length);
      if (!pending[name]) {
        var waiting = {};
        waiting.promise = new Promise(function (resolve, reject) {
          waiting.resolve = resolve;
          var tag = doc.createElement("script");
          tag.src = url.replace(/\.(json|bin)(\?|$)/, ".js$2");
          tag.onerror = function () { delete pending[name]; reject(new Error(url)); };
          doc.head.appendChild(tag);
        });
        pending[name] = waiting;
      }
      return pending[name].promise;
    };
  }

  function decodeBase64(text) {
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  // ---- the search page ---------------------------------------------------

  function attach(doc, script) {
    var form = doc.getElementById("search-form");
    var results = doc.getElementById("search-results");
    if (!form || !results) { return; }
    var input = doc.getElementById("search-input");
    var status = doc.getElementById("search-status");
    var kindSelect = doc.getElementById("search-kind");
    var categorySelect = doc.getElementById("search-category");
    var filters = doc.getElementById("search-filters");
    var browse = doc.getElementById("search-browse");
    var text = results.dataset;
    // The site's folder, as this page reached it: a server's address or,
    // opened from disk, a file:// one. Result addresses are relative to it.
    var base = (script && script.src ? script.src : location.href).replace(/js\/search\.js(\?.*)?$/, "");
    var options = { base: base };
    // A site built for disk has its index as scripts (no fetch on file://).
    if (script && script.hasAttribute("data-index-scripts")) {
      var load = scriptLoader(doc);
      options.fetchJson = load;
      options.fetchBytes = function (url) { return load(url).then(decodeBase64); };
    }
    var searcher = createSearch(options);
    var shown = 0, current = null, timer = null, serial = 0;

    function say(message) { status.textContent = message; }

    function fillSelect(select, labels, counts, all, offset) {
      var value = select.value;
      select.innerHTML = "";
      var option = doc.createElement("option");
      option.value = ""; option.textContent = all;
      select.appendChild(option);
      labels.forEach(function (label, i) {
        var code = i + offset;
        if (!counts[code]) { return; }
        var o = doc.createElement("option");
        o.value = String(code); o.textContent = label + "（" + counts[code] + "）";
        select.appendChild(o);
      });
      select.value = value;
      if (select.value !== value) { select.value = ""; }
    }

    function showMore() {
      var batch = current.results.slice(shown, shown + PAGE);
      var list = results.querySelector("ol");
      shown += batch.length;
      return Promise.all(batch.map(function (r) { return searcher.fragment(r.doc); })).then(function (fragments) {
        fragments.forEach(function (f) {
          var li = doc.createElement("li");
          var meta = [current.table.kinds[f.k], f.s, f.c].filter(Boolean).map(escapeHtml).join(" · ");
          li.innerHTML = "<h2 class=\"result-title\"><a href=\"" + escapeHtml(base + f.u) + "\">" + highlight(f.t, current.phrases) + "</a></h2>" +
            "<p class=\"result-meta\">" + meta + "</p><p class=\"result-snippet\">" + highlight(f.x, current.phrases, 40) + "</p>";
          list.appendChild(li);
        });
        var more = results.querySelector(".search-more");
        if (more) { more.hidden = shown >= current.total; }
      });
    }

    function run() {
      var q = input.value.trim();
      var mine = ++serial;
      var url = new URL(location.href);
      if (q) { url.searchParams.set("q", q); } else { url.searchParams.delete("q"); }
      history.replaceState(null, "", url);
      if (!q) { results.innerHTML = ""; filters.hidden = true; if (browse) { browse.hidden = false; } say(""); return; }
      say(text.loading);
      searcher.search(q, { kind: kindSelect.value, category: categorySelect.value }).then(function (found) {
        if (mine !== serial) { return; }
        current = found; shown = 0;
        filters.hidden = false;
        if (browse) { browse.hidden = found.total > 0; }
        fillSelect(kindSelect, found.table.kinds, found.kinds, text.allKinds, 0);
        fillSelect(categorySelect, found.table.categories, found.categories, text.allCategories, 1);
        say(found.total ? text.results.replace("{n}", found.total) : text.none.replace("{q}", q));
        results.innerHTML = "<ol class=\"results\"></ol>" + (found.total > PAGE ? "<button type=\"button\" class=\"search-more\">" + escapeHtml(text.more) + "</button>" : "");
        var more = results.querySelector(".search-more");
        if (more) { more.addEventListener("click", showMore); }
        return showMore();
      }).catch(function () { if (mine === serial) { say(text.failed); } });
    }

    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 150); });
    kindSelect.addEventListener("change", run);
    categorySelect.addEventListener("change", run);
    var initial = new URL(location.href).searchParams.get("q");
    if (initial) { input.value = initial; run(); }
  }

  return {
    normalized: normalized,
    units: units,
    query: query,
    key: key,
    createSearch: createSearch,
    highlight: highlight,
    attach: attach
  };
});
