// The browser editor of `zhan serve`: the content list (/_zhan/) and the
// form of one file (/_zhan/edit?path=...). No framework: the page's data
// (session token, interface words from the catalogs) is JSON in the page;
// forms are built from the JSON description the server makes from the
// content model, so a field added to the model needs no code here.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("zhan-data").textContent);
  var S = data.strings || {};
  var app = document.getElementById("app");
  var statusBox = document.getElementById("status");
  var DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

  /* The words of `key` from the catalogs, with {name} filled from `args`. */
  function t(key, args) {
    var s = Object.prototype.hasOwnProperty.call(S, key) ? S[key] : key;
    if (args) {
      Object.keys(args).forEach(function (k) { s = s.split("{" + k + "}").join(String(args[k])); });
    }
    return s;
  }

  /* An element with attributes (`on…` are listeners) and children. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) { return; }
      if (k.slice(0, 2) === "on") { node.addEventListener(k.slice(2), v); }
      else if (k === "text") { node.textContent = v; }
      else if (k === "value") { node.value = v; }
      else if (k === "checked") { node.checked = !!v; }
      else { node.setAttribute(k, v === true ? "" : v); }
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  /* Says `text` in the live region (read out by screen readers). */
  function announce(text, kind) {
    statusBox.className = kind || "";
    statusBox.textContent = "";
    window.setTimeout(function () { statusBox.textContent = text; }, 30);
  }

  /* Calls the API; resolves to {status, body}. */
  function api(method, name, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "X-Zhan-Token": data.token },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch("/_zhan/api/" + name, options).then(function (r) {
      return r.text().then(function (text) {
        var parsed = {};
        try { parsed = JSON.parse(text); } catch (e) { parsed = { error: text }; }
        return { status: r.status, body: parsed };
      });
    });
  }

  /* What the open form would save, for the warning before leaving. */
  var currentPending = null;
  window.addEventListener("beforeunload", function (event) {
    var p = currentPending && currentPending();
    if (p && (p.changes.length || p.body !== null)) { event.preventDefault(); event.returnValue = t("editor.unsaved"); }
  });

  var uid = 0;
  function newId(base) { uid += 1; return "f-" + base.replace(/[^a-zA-Z0-9_-]/g, "-") + "-" + uid; }

  // ---------------------------------------------------------------------
  // The content list.

  function home() {
    app.textContent = t("editor.loading");
    api("GET", "index").then(function (res) {
      if (res.status !== 200) { app.textContent = t("editor.load-failed") + (res.body.error || res.status); return; }
      app.textContent = "";
      var filterId = newId("filter");
      var filter = el("input", { id: filterId, type: "search", "aria-describedby": filterId + "-help", autocomplete: "off" });
      app.appendChild(el("div", { class: "filter" }, [
        el("label", { for: filterId, text: t("editor.filter") }),
        filter,
        el("p", { id: filterId + "-help", class: "help", text: t("editor.filter-help") }),
      ]));
      var sections = [];
      res.body.kinds.forEach(function (group) {
        var list = el("ul", { class: "items" });
        var rows = group.items.map(function (item) {
          var title = item.title || t("editor.untitled");
          var row = el("li", { "data-search": (title + " " + item.id + " " + item.path).toLowerCase() }, [
            el("a", { href: "/_zhan/edit?path=" + encodeURIComponent(item.path), text: title }),
            " ",
            el("span", { class: "id", text: item.id || item.path }),
            item.url ? el("a", { class: "view", href: item.url, text: t("editor.view-page") }) : null,
          ]);
          list.appendChild(row);
          return row;
        });
        var empty = el("p", { class: "empty", text: t("editor.no-items"), hidden: rows.length > 0 });
        var count = el("span", { class: "count", text: " (" + rows.length + ")" });
        var newBox = el("div", { class: "new-box" });
        var newButton = el("button", { type: "button", class: "small new", "data-new": group.kind,
          text: t("editor.new"), "aria-label": t("editor.new-label", { kind: group.name }), "aria-expanded": "false" });
        newButton.addEventListener("click", function () {
          if (newBox.firstChild) { newBox.textContent = ""; newButton.setAttribute("aria-expanded", "false"); return; }
          newButton.setAttribute("aria-expanded", "true");
          newBox.appendChild(newForm(group, res.body.kinds, function () {
            newBox.textContent = "";
            newButton.setAttribute("aria-expanded", "false");
            newButton.focus();
          }));
        });
        var section = el("section", { class: "kind", "data-kind": group.kind, "aria-labelledby": "h-" + group.kind }, [
          el("div", { class: "kind-head" }, [el("h2", { id: "h-" + group.kind }, [group.name, count]), newButton]),
          newBox, list, empty,
        ]);
        app.appendChild(section);
        sections.push({ rows: rows, empty: empty, count: count });
      });
      filter.addEventListener("input", function () {
        var q = filter.value.trim().toLowerCase();
        sections.forEach(function (s) {
          var shown = 0;
          s.rows.forEach(function (row) {
            var hit = !q || row.getAttribute("data-search").indexOf(q) >= 0;
            row.hidden = !hit;
            if (hit) { shown += 1; }
          });
          s.count.textContent = " (" + shown + ")";
          s.empty.hidden = shown > 0;
          s.empty.textContent = q ? t("editor.no-match") : t("editor.no-items");
        });
      });
      app.appendChild(deletedPanel());
    });
  }

  /* The form of 「新建」 for one type: title, the parent item (a service's
     station, a lesson's course), and the id proposed from the title in
     pinyin, which the worker may change. */
  function newForm(group, kinds, close) {
    var parentKind = { service: "station", lesson: "course" }[group.kind];
    var titleId = newId("new-title");
    var idId = newId("new-id");
    var title = el("input", { id: titleId, name: "title", type: "text", required: true, autocomplete: "off", "aria-describedby": titleId + "-help" });
    var idInput = el("input", { id: idId, name: "id", type: "text", required: true, autocomplete: "off", spellcheck: "false",
      pattern: "[a-z0-9][a-z0-9-]*", "aria-describedby": idId + "-help " + idId + "-file" });
    var file = el("code", {});
    var problem = el("p", { class: "alert", role: "alert", hidden: true });
    var parent = null;
    var fields = [
      el("div", { class: "field" }, [el("label", { for: titleId, text: t("editor.new-title") }),
        el("p", { id: titleId + "-help", class: "help", text: t("editor.new-title-help") }), title]),
    ];
    if (parentKind) {
      var parentGroup = kinds.filter(function (g) { return g.kind === parentKind; })[0] || { items: [], name: parentKind };
      var parentId = newId("new-parent");
      parent = el("select", { id: parentId, name: "parent", required: true });
      parentGroup.items.forEach(function (item) {
        parent.appendChild(el("option", { value: item.id, text: (item.title || item.id) + "（" + item.id + "）" }));
      });
      fields.push(el("div", { class: "field" }, [el("label", { for: parentId, text: t("editor.new-parent", { kind: parentGroup.name }) }), parent]));
    }
    fields.push(el("div", { class: "field" }, [el("label", { for: idId, text: t("editor.new-id") }),
      el("p", { id: idId + "-help", class: "help", text: t("editor.new-id-help") }), idInput,
      el("p", { id: idId + "-file", class: "help" }, [t("editor.new-file"), file])]));
    var create = el("button", { type: "submit", text: t("editor.new-create") });
    var cancel = el("button", { type: "button", class: "secondary", text: t("editor.new-cancel"), onclick: close });
    var form = el("form", { class: "new-item", novalidate: true, "aria-label": t("editor.new-label", { kind: group.name }) },
      fields.concat([problem, el("div", { class: "actions" }, [create, cancel])]));

    var idEdited = false;
    var seq = 0;
    var timer = null;
    function request() {
      return { kind: group.kind, title: title.value, parent: parent ? parent.value : null, id: idInput.value.trim() };
    }
    function showFile() {
      var id = idInput.value.trim();
      var parentPart = parent ? parent.value + "/" : "";
      var paths = { station: "stations/", service: "services/" + parentPart, organization: "organizations/",
        course: "training/", lesson: "training/" + parentPart, project: "projects/", report: "reports/", news: "news/", page: "" };
      file.textContent = id ? "content/" + (paths[group.kind] || "") + id + (group.kind === "course" ? "/_index.md" : ".md") : "";
    }
    function propose() {
      if (idEdited || !title.value.trim()) { showFile(); return; }
      var mine = ++seq;
      api("POST", "propose", request()).then(function (res) {
        if (mine !== seq || idEdited) { return; }
        if (res.status === 200) { idInput.value = res.body.id; file.textContent = res.body.display; problem.hidden = true; }
      });
    }
    title.addEventListener("input", function () { window.clearTimeout(timer); timer = window.setTimeout(propose, 250); });
    if (parent) { parent.addEventListener("change", function () { showFile(); propose(); }); }
    idInput.addEventListener("input", function () { idEdited = idInput.value.trim() !== ""; showFile(); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      create.disabled = true;
      announce(t("editor.new-creating"));
      api("POST", "create", request()).then(function (res) {
        create.disabled = false;
        if (res.status === 201) {
          location.href = "/_zhan/edit?path=" + encodeURIComponent(res.body.path);
          return;
        }
        problem.textContent = res.body.error || String(res.status);
        problem.hidden = false;
        announce(t("editor.new-failed") + (res.body.error || res.status), "error");
      }, function (e) {
        create.disabled = false;
        announce(t("editor.new-failed") + e, "error");
      });
    });
    window.setTimeout(function () { title.focus(); }, 0);
    return form;
  }

  // ---------------------------------------------------------------------
  // Values: what counts as the same, and as empty.

  function isEmpty(v) {
    if (v === undefined || v === null || v === "") { return true; }
    if (Array.isArray(v)) { return v.length === 0; }
    if (typeof v === "object") { return Object.keys(v).every(function (k) { return isEmpty(v[k]); }); }
    return false;
  }

  /* A value with empty parts dropped and keys sorted, as text to compare. */
  function canonical(v) {
    if (isEmpty(v)) { return "∅"; }
    if (Array.isArray(v)) { return "[" + v.map(canonical).join(",") + "]"; }
    if (typeof v === "object") {
      return "{" + Object.keys(v).filter(function (k) { return !isEmpty(v[k]); }).sort()
        .map(function (k) { return JSON.stringify(k) + ":" + canonical(v[k]); }).join(",") + "}";
    }
    return JSON.stringify(v);
  }

  function same(a, b) { return canonical(a) === canonical(b); }

  function shown(v) {
    if (v === undefined || v === null) { return ""; }
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  /* Keeps the original value when the widget shows it unchanged (a phone
     written as a number stays a number). */
  function keep(orig, text, read) {
    if (text === shown(orig)) { return orig; }
    if (text.trim() === "") { return undefined; }
    return read(text);
  }

  function readNumber(text) {
    var s = text.trim();
    if (/^-?\d+$/.test(s)) { return parseInt(s, 10); }
    if (/^-?\d*\.\d+$/.test(s) || /^-?\d+\.\d*$/.test(s)) { return parseFloat(s); }
    return text; // kept as typed: the check says what is wrong
  }

  /* Chosen values in the original's order first, then the new ones. */
  function inOrder(orig, chosen) {
    var before = Array.isArray(orig) ? orig.filter(function (v) { return chosen.indexOf(v) >= 0; }) : [];
    return before.concat(chosen.filter(function (v) { return before.indexOf(v) < 0; }));
  }

  // ---------------------------------------------------------------------
  // Widgets: each returns {node, get, focus}.

  function describe(field, id, extra) {
    var ids = [];
    var help = field.help ? el("p", { id: id + "-help", class: "help", text: field.help }) : null;
    if (help) { ids.push(id + "-help"); }
    var problem = el("p", { id: id + "-problem", class: "problem", hidden: true });
    ids.push(id + "-problem");
    return { help: help, problem: problem, ids: ids.concat(extra || []).join(" ") };
  }

  function labelText(field) {
    return [field.label, " ", el("span", { class: "key", text: field.key }),
      field.required ? el("span", { class: "req", text: " " + t("editor.required") }) : null];
  }

  function inputWidget(field, value, type, read, attrs) {
    var id = newId(field.key);
    var d = describe(field, id);
    var a = Object.assign({ id: id, type: type, value: shown(value), "aria-describedby": d.ids, required: field.required }, attrs || {});
    var input = el("input", a);
    return {
      node: el("div", { class: "field", "data-field": field.key }, [el("label", { for: id }, labelText(field)), d.help, input, d.problem]),
      get: function () { return keep(value, input.value, read); },
      problem: d.problem, input: input,
    };
  }

  function textareaWidget(field, value, toText, read, rows) {
    var id = newId(field.key);
    var d = describe(field, id);
    var area = el("textarea", { id: id, rows: rows || 3, "aria-describedby": d.ids, required: field.required });
    area.value = toText(value);
    return {
      node: el("div", { class: "field", "data-field": field.key }, [el("label", { for: id }, labelText(field)), d.help, area, d.problem]),
      get: function () { return area.value === toText(value) ? value : read(area.value); },
      problem: d.problem, input: area,
    };
  }

  function selectWidget(field, value, options, read) {
    var id = newId(field.key);
    var d = describe(field, id);
    var select = el("select", { id: id, "aria-describedby": d.ids, required: field.required });
    var have = {};
    select.appendChild(el("option", { value: "", text: t("editor.unset") }));
    options.forEach(function (o) {
      have[shown(o.value)] = true;
      select.appendChild(el("option", { value: shown(o.value), text: o.label === shown(o.value) ? o.label : o.label + "（" + o.value + "）" }));
    });
    if (!isEmpty(value) && !have[shown(value)]) {
      // A value the list lacks stays, for the check to flag.
      select.appendChild(el("option", { value: shown(value), text: shown(value) }));
    }
    select.value = isEmpty(value) ? "" : shown(value);
    return {
      node: el("div", { class: "field", "data-field": field.key }, [el("label", { for: id }, labelText(field)), d.help, select, d.problem]),
      get: function () { return select.value === shown(value) ? value : (select.value === "" ? undefined : read(select.value)); },
      problem: d.problem, input: select,
    };
  }

  function checkboxesWidget(field, value, options, cls) {
    var id = newId(field.key);
    var d = describe(field, id);
    var list = el("div", { class: "checks " + (cls || "") });
    var boxes = [];
    var current = Array.isArray(value) ? value.map(shown) : (isEmpty(value) ? [] : [shown(value)]);
    var all = options.slice();
    current.forEach(function (v) {
      if (!all.some(function (o) { return shown(o.value) === v; })) { all.push({ value: v, label: v }); }
    });
    all.forEach(function (o, i) {
      var boxId = id + "-" + i;
      var box = el("input", { type: "checkbox", id: boxId, value: shown(o.value), checked: current.indexOf(shown(o.value)) >= 0 });
      boxes.push(box);
      var text = o.label === shown(o.value) ? o.label : o.label + "（" + o.value + "）";
      list.appendChild(el("div", { class: "check" }, [box, el("label", { for: boxId, text: text })]));
    });
    var node = el("fieldset", { class: "field", "data-field": field.key, "aria-describedby": d.ids }, [
      el("legend", {}, labelText(field)), d.help, list, d.problem,
    ]);
    return {
      node: node,
      get: function () {
        var chosen = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
        var result = inOrder(value, chosen);
        return same(result, value) && Array.isArray(value) ? value : result;
      },
      problem: d.problem, input: boxes[0],
    };
  }

  function timeWidget(field, value) {
    var m = typeof value === "string" && /^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$/.exec(value);
    if (!isEmpty(value) && !m) { return inputWidget(field, value, "text", function (s) { return s.trim(); }); }
    var id = newId(field.key);
    var d = describe(field, id);
    var pad = function (s) { return s.length === 4 ? "0" + s : s; };
    var from = el("input", { type: "time", id: id + "-from", value: m ? pad(m[1]) : "", "aria-describedby": d.ids });
    var to = el("input", { type: "time", id: id + "-to", value: m ? pad(m[2]) : "", "aria-describedby": d.ids });
    return {
      node: el("fieldset", { class: "field time", "data-field": field.key }, [
        el("legend", {}, labelText(field)), d.help,
        el("div", { class: "range" }, [
          el("label", { for: id + "-from", text: t("editor.time-from") }), from,
          el("span", { "aria-hidden": "true", text: "–" }),
          el("label", { for: id + "-to", text: t("editor.time-to") }), to,
        ]),
        d.problem,
      ]),
      get: function () {
        if (!from.value && !to.value) { return undefined; }
        var text = from.value + "-" + to.value;
        return m && text === pad(m[1]) + "-" + pad(m[2]) ? value : text;
      },
      problem: d.problem, input: from,
    };
  }

  function groupWidget(field, value) {
    var id = newId(field.key);
    var d = describe(field, id);
    var members = field.widget.fields;
    var entries = [];
    var list = el("ol", { class: "entries" });
    var add = el("button", { type: "button", class: "secondary", text: t("editor.add") + "：" + field.label });

    function renumber() {
      entries.forEach(function (e, i) {
        e.legend.textContent = t("editor.entry", { n: i + 1 });
        e.up.disabled = i === 0;
        e.down.disabled = i === entries.length - 1;
        list.appendChild(e.node);
      });
    }

    function addEntry(orig, focus) {
      var entry = { orig: orig || {} };
      var widgets = members.map(function (m) { return { key: m.key, w: widget(m, entry.orig[m.key]) }; });
      entry.widgets = widgets;
      entry.legend = el("legend");
      var label = function (key) { return t(key) + "：" + field.label; };
      entry.up = el("button", { type: "button", class: "small", text: t("editor.up"), "aria-label": t("editor.up"), onclick: function () { move(entry, -1); } });
      entry.down = el("button", { type: "button", class: "small", text: t("editor.down"), "aria-label": t("editor.down"), onclick: function () { move(entry, 1); } });
      var remove = el("button", { type: "button", class: "small danger", text: t("editor.remove"), "aria-label": label("editor.remove"), onclick: function () {
        var at = entries.indexOf(entry);
        entries.splice(at, 1);
        entry.node.remove();
        renumber();
        (entries[Math.min(at, entries.length - 1)] || { widgets: [{ w: { input: add } }] }).widgets[0].w.input.focus();
      } });
      entry.node = el("li", {}, [el("fieldset", { class: "entry" }, [entry.legend].concat(widgets.map(function (x) { return x.w.node; })).concat([
        el("div", { class: "entry-tools" }, [entry.up, entry.down, remove]),
      ]))]);
      entry.get = function () {
        var out = {};
        // The entry's own keys in its order, then the form's new ones.
        Object.keys(entry.orig).forEach(function (k) { out[k] = entry.orig[k]; });
        widgets.forEach(function (x) {
          var v = x.w.get();
          if (isEmpty(v)) { delete out[x.key]; } else { out[x.key] = v; }
        });
        return out;
      };
      entries.push(entry);
      renumber();
      if (focus && widgets[0] && widgets[0].w.input) { widgets[0].w.input.focus(); }
    }

    function move(entry, by) {
      var at = entries.indexOf(entry);
      var to = at + by;
      if (to < 0 || to >= entries.length) { return; }
      entries.splice(at, 1);
      entries.splice(to, 0, entry);
      renumber();
      (by < 0 ? entry.up : entry.down).focus();
    }

    (Array.isArray(value) ? value : []).forEach(function (v) { addEntry(v && typeof v === "object" ? v : {}); });
    add.addEventListener("click", function () { addEntry({}, true); });
    return {
      node: el("fieldset", { class: "field group", "data-field": field.key, "aria-describedby": d.ids }, [
        el("legend", {}, labelText(field)), d.help, list, add, d.problem,
      ]),
      get: function () {
        var out = entries.map(function (e) { return e.get(); }).filter(function (e) { return !isEmpty(e); });
        return same(out, value) ? value : out;
      },
      problem: d.problem, input: add,
    };
  }

  function listText(v) {
    if (Array.isArray(v)) { return v.map(shown).join("\n"); }
    return shown(v);
  }
  function readLines(text) {
    return text.split("\n").map(function (s) { return s.trim(); }).filter(function (s) { return s; });
  }

  /* The widget of a field, by its description. */
  function widget(field, value) {
    var w = field.widget;
    var asText = function (s) { return s; };
    switch (w.type) {
      case "longtext": return textareaWidget(field, value, shown, function (s) { return s.trim() === "" ? undefined : s; }, 3);
      case "date":
        if (!isEmpty(value) && !/^\d{4}-\d{2}-\d{2}$/.test(shown(value))) { return inputWidget(field, value, "text", asText); }
        return inputWidget(field, value, "date", asText);
      case "integer": return inputWidget(field, value, "text", readNumber, { inputmode: "numeric" });
      case "number": return inputWidget(field, value, "text", readNumber, { inputmode: "decimal" });
      case "yesno": return selectWidget(field, value, [{ value: true, label: t("editor.yes") }, { value: false, label: t("editor.no") }],
        function (s) { return s === "true"; });
      case "phone": return inputWidget(field, value, "tel", asText);
      case "email": return inputWidget(field, value, "email", asText);
      case "textlist": return textareaWidget(field, value, listText, readLines, 3);
      case "choice": case "ref": return selectWidget(field, value, w.options, asText);
      case "multi": return checkboxesWidget(field, value, w.options, w.options.length > 8 ? "many" : "");
      case "days": return checkboxesWidget(field, value, DAYS.map(function (d) { return { value: d, label: t("editor.day." + d) }; }), "days");
      case "time": return timeWidget(field, value);
      case "group": return groupWidget(field, value);
      case "file": return fileWidget(field, value);
      default: return inputWidget(field, value, "text", asText);
    }
  }

  // ---------------------------------------------------------------------
  // The form of one file.

  function edit() {
    var path = new URLSearchParams(location.search).get("path") || "";
    app.textContent = t("editor.loading");
    api("GET", "form?path=" + encodeURIComponent(path)).then(function (res) {
      if (res.status !== 200) { app.textContent = t("editor.load-failed") + (res.body.error || res.status); return; }
      showForm(res.body);
      var flash = null;
      try { flash = window.sessionStorage.getItem("zhan-flash"); window.sessionStorage.removeItem("zhan-flash"); } catch (e) { flash = null; }
      if (flash) { announce(flash, "ok"); }
    });
  }

  function showForm(doc) {
    app.textContent = "";
    var state = { hash: doc.hash, text: doc.text, values: doc.values || {}, body: doc.body };
    var title = document.getElementById("title");
    title.textContent = t("editor.edit-title") + "：" + (doc.title || doc.path);
    document.title = title.textContent;

    app.appendChild(el("p", { class: "file" }, [
      t("editor.file"), el("code", { text: doc.display }), " · ", doc.kindName,
      doc.url ? " · " : null, doc.url ? el("a", { href: doc.url, id: "view-page", text: t("editor.view-page") }) : null,
    ]));
    if (doc.problem) { app.appendChild(el("p", { class: "alert", role: "alert", text: doc.problem })); }
    if (doc.unknown && doc.unknown.length) {
      app.appendChild(el("p", { class: "note", text: t("editor.unknown-fields") + doc.unknown.join("、") }));
    }

    var form = el("form", { id: "editor-form", novalidate: true });
    var widgets = [];
    if (!doc.problem) {
      doc.fields.forEach(function (f) {
        var w = widget(f, state.values[f.key]);
        widgets.push({ key: f.key, w: w, group: f.widget.type === "group" });
        form.appendChild(w.node);
      });
    }
    var bodyId = newId("body");
    var body = el("textarea", { id: bodyId, rows: 14, class: "body", "aria-describedby": bodyId + "-help " + bodyId + "-problem" });
    body.value = doc.body === null ? "" : doc.body;
    // Problems in the body (a broken .md link) show under it, like a field's.
    var bodyProblem = el("p", { id: bodyId + "-problem", class: "problem", hidden: true });
    form.appendChild(el("div", { class: "field", "data-field": "body" }, [
      el("label", { for: bodyId, text: t("editor.body") }),
      el("p", { id: bodyId + "-help", class: "help", text: t("editor.body-help") }),
      bodyToolbar(body),
      body, bodyProblem,
    ]));
    var checkSummary = el("div", { id: "check-summary", class: "check-summary", "aria-live": "polite" });
    form.insertBefore(checkSummary, form.firstChild);
    var save = el("button", { type: "submit", id: "save", text: t("editor.save") });
    form.appendChild(el("div", { class: "actions" }, [save]));
    /* The page as the theme renders it, from the draft: in a sandboxed
       frame (no scripts; the theme works without them), beside the form. */
    var previewNote = el("p", { id: "preview-note", class: "note", role: "status", hidden: true });
    var frame = el("iframe", { id: "preview-frame", title: t("editor.preview-frame"), sandbox: "allow-same-origin" });
    var previewPane = el("section", { id: "preview", class: "preview", "aria-labelledby": "preview-title" }, [
      el("h2", { id: "preview-title", text: t("editor.preview-title") }), previewNote, frame,
    ]);
    var workbench = el("div", { class: "workbench" }, [form, previewPane]);
    var switcher = viewSwitch(workbench);
    app.appendChild(switcher);
    app.appendChild(workbench);

    var conflictBox = el("section", { id: "conflict", class: "conflict", hidden: true, "aria-labelledby": "conflict-title" });
    app.appendChild(conflictBox);
    app.appendChild(historyPanel(doc.path, state, function () { edit(); }));
    if (!/(^|\/)_index\.md$/.test(doc.path) || doc.kind === "course") { app.appendChild(renamePanel(doc.path, state)); }
    app.appendChild(deletePanel(doc.path, state));

    function pending() {
      var changes = [];
      var locals = [];
      widgets.forEach(function (x) {
        var orig = state.values[x.key];
        var now = x.w.get();
        if (same(orig, now)) { return; }
        locals.push({ field: x.key, value: isEmpty(now) ? (Array.isArray(orig) ? [] : undefined) : now });
        if (x.group && Array.isArray(now)) {
          // Entries as [key, value] pairs: JSON objects lose their order.
          now = now.map(function (e) { return Object.keys(e).map(function (k) { return [k, e[k]]; }); });
        }
        if (isEmpty(now)) {
          if (Array.isArray(orig)) { changes.push({ field: x.key, value: [] }); }
          else { changes.push({ field: x.key, remove: true }); }
        } else {
          changes.push({ field: x.key, value: now });
        }
      });
      var bodyChanged = doc.body !== null && body.value !== state.body;
      return { changes: changes, locals: locals, body: bodyChanged ? body.value : null };
    }

    currentPending = pending;

    /* Checked as you type: the draft goes to the real engine's checks,
       and each problem is shown beside its field. */
    var checkTimer = null;
    var checkSeq = 0;
    var lastCount = -1;
    function runCheck() {
      var p = pending();
      var seq = ++checkSeq;
      api("POST", "check", { path: doc.path, hash: state.hash, base: state.text, changes: p.changes, body: p.body })
        .then(function (res) {
          if (seq !== checkSeq || res.status !== 200) { return; }
          showProblems(res.body.diagnostics || []);
        }, function () { /* the next keystroke checks again */ });
    }
    function showProblems(list) {
      var bodyBox = { key: "body", w: { problem: bodyProblem } };
      widgets.concat([bodyBox]).forEach(function (x) { x.w.problem.hidden = true; x.w.problem.textContent = ""; });
      checkSummary.textContent = "";
      var other = [];
      list.forEach(function (d) {
        var text = d.message + (d.hint ? " " + t("editor.hint") + d.hint : "");
        var w = widgets.concat([bodyBox]).filter(function (x) { return x.key === d.field; })[0];
        if (w) {
          w.w.problem.hidden = false;
          w.w.problem.appendChild(el("span", { class: d.severity, text: text }));
        } else {
          other.push(el("li", { class: d.severity, text: text }));
        }
      });
      var errors = list.filter(function (d) { return d.severity === "error"; }).length;
      if (list.length) {
        checkSummary.appendChild(el("p", { class: errors ? "alert" : "note", text: t("editor.check-count", { n: list.length }) }));
        if (other.length) { checkSummary.appendChild(el("ul", {}, other)); }
      } else if (lastCount > 0) {
        checkSummary.appendChild(el("p", { class: "ok", text: t("editor.check-ok") }));
      }
      lastCount = list.length;
    }
    function scheduleCheck() {
      window.clearTimeout(checkTimer);
      checkTimer = window.setTimeout(runCheck, 350);
    }
    /* The preview follows the draft: asked for at once (after the events of
       one action: a checkbox sends input and change), one request at a
       time; an answer overtaken by newer typing is dropped (the newer draft
       is asked for as soon as it comes), so a burst of typing is a few
       requests. Waiting 60 ms after each key instead cost 60 of the 150 ms
       that keystroke to updated preview may take (bench/editor_latency.js). */
    var previewTimer = null;
    var previewBusy = false;
    var previewAgain = false;
    var previewCount = 0;
    function runPreview() {
      if (previewBusy) { previewAgain = true; return; }
      previewBusy = true;
      var p = pending();
      var done = function (res) {
        previewBusy = false;
        if (previewAgain) { previewAgain = false; runPreview(); return; }
        if (!res) { return; }
        if (res.status === 200 && typeof res.body.html === "string") {
          previewNote.hidden = true;
          previewNote.textContent = "";
          showPage(frame, res.body.html, function () {
            previewCount += 1;
            frame.setAttribute("data-updates", String(previewCount));
          });
        } else {
          // The last good preview stays; the note says why it is not newer.
          previewNote.hidden = false;
          previewNote.textContent = res.body.error || String(res.status);
        }
      };
      api("POST", "preview", { path: doc.path, hash: state.hash, base: state.text, changes: p.changes, body: p.body })
        .then(done, function () { done(null); });
    }
    function schedulePreview() {
      window.clearTimeout(previewTimer);
      previewTimer = window.setTimeout(runPreview, 0);
    }
    function changed() { scheduleCheck(); schedulePreview(); }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("click", function (e) { if (e.target.tagName === "BUTTON" && e.target.type === "button") { changed(); } });
    runCheck();
    if (!doc.problem) { runPreview(); } else { previewPane.hidden = true; switcher.hidden = true; }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var p = pending();
      if (!p.changes.length && p.body === null) { announce(t("editor.nothing-changed")); return; }
      save.disabled = true;
      announce(t("editor.saving"));
      api("POST", "save", { path: doc.path, hash: state.hash, base: state.text, changes: p.changes, body: p.body })
        .then(function (res) {
          save.disabled = false;
          if (res.status === 200) {
            state.hash = res.body.hash;
            state.text = res.body.text;
            p.locals.forEach(function (c) { state.values[c.field] = c.value; });
            if (p.body !== null) { state.body = p.body; }
            conflictBox.hidden = true;
            announce(t("editor.saved"), "ok");
          } else if (res.status === 409 && res.body.conflict) {
            showConflict(conflictBox, doc.path, res.body.conflict, state);
            announce(res.body.error, "error");
          } else {
            announce(t("editor.save-failed") + (res.body.error || res.status), "error");
          }
        }, function (e) {
          save.disabled = false;
          announce(t("editor.save-failed") + e, "error");
        });
    });
  }

  function showConflict(box, path, conflict, state) {
    box.textContent = "";
    var mineId = newId("mine");
    var diskId = newId("disk");
    var mine = el("textarea", { id: mineId, readonly: true, rows: 12 });
    mine.value = conflict.draft;
    var disk = el("textarea", { id: diskId, readonly: true, rows: 12 });
    disk.value = conflict.disk === null ? t("editor.disk-deleted") : conflict.disk;
    var keepMine = el("button", { type: "button", id: "keep-mine", text: t("editor.keep-mine"), onclick: function () {
      keepMine.disabled = true;
      api("POST", "save", { path: path, hash: conflict.hash, text: conflict.draft }).then(function (res) {
        keepMine.disabled = false;
        if (res.status === 200) {
          state.hash = res.body.hash;
          state.text = res.body.text;
          box.hidden = true;
          announce(t("editor.saved"), "ok");
          edit();
        } else if (res.status === 409 && res.body.conflict) {
          showConflict(box, path, res.body.conflict, state);
          announce(res.body.error, "error");
        } else {
          announce(t("editor.save-failed") + (res.body.error || res.status), "error");
        }
      });
    } });
    var useDisk = el("button", { type: "button", id: "use-disk", class: "secondary", text: t("editor.use-disk"), onclick: function () { edit(); } });
    box.appendChild(el("h2", { id: "conflict-title", text: t("editor.conflict-title") }));
    box.appendChild(el("p", { text: t("editor.conflict-lead") }));
    box.appendChild(el("div", { class: "versions" }, [
      el("div", {}, [el("label", { for: mineId, text: t("editor.mine") }), mine]),
      el("div", {}, [el("label", { for: diskId, text: t("editor.disk") }), disk]),
    ]));
    box.appendChild(el("div", { class: "actions" }, [keepMine, useDisk]));
    box.hidden = false;
    keepMine.focus();
  }

  /* 改编号: the new id; the first request says the new file and what points
     at the page; the confirmed one moves the file and, if the worker
     keeps the box ticked, updates every reference and link. */
  function renamePanel(path, state) {
    // A course's id is its folder's name.
    var current = path.replace(/\/_index\.md$/, "").split("/").pop().replace(/\.md$/, "");
    var inputId = newId("rename-id");
    var input = el("input", { id: inputId, type: "text", value: current, autocomplete: "off", spellcheck: "false",
      pattern: "[a-z0-9][a-z0-9-]*", "aria-describedby": inputId + "-help" });
    var box = el("div", { id: "rename-box" });
    var start = el("button", { type: "button", class: "secondary", id: "rename", text: t("editor.rename-check") });
    function ask(confirm, update, keep) {
      return api("POST", "rename", { path: path, hash: state.hash, id: input.value.trim(), update: update, keep: keep, confirm: confirm });
    }
    start.addEventListener("click", function () {
      start.disabled = true;
      ask(false, true).then(function (res) {
        start.disabled = false;
        box.textContent = "";
        if (res.status !== 409 || !res.body.referrers) {
          box.appendChild(el("p", { class: "alert", role: "alert", text: res.body.error || String(res.status) }));
          return;
        }
        var lead = el("p", { class: "note", id: "rename-question", tabindex: "-1", text: res.body.error });
        box.appendChild(lead);
        var updateId = newId("rename-update");
        var update = el("input", { id: updateId, type: "checkbox", checked: true });
        if (res.body.referrers.length) {
          box.appendChild(el("ul", { id: "rename-referrers" }, res.body.referrers.map(function (r) {
            return el("li", {}, [el("a", { href: "/_zhan/edit?path=" + encodeURIComponent(r.path), text: r.text })]);
          })));
          box.appendChild(el("p", { class: "check" }, [update, " ", el("label", { for: updateId, text: t("editor.rename-update") })]));
        }
        // Old addresses kept as aliases: posters' QR codes keep working.
        var keepId = newId("rename-keep");
        var keep = el("input", { id: keepId, type: "checkbox", checked: true });
        box.appendChild(el("p", { class: "check" }, [keep, " ", el("label", { for: keepId, text: t("editor.rename-keep") })]));
        var yes = el("button", { type: "button", id: "rename-confirm", text: t("editor.rename-confirm") });
        var no = el("button", { type: "button", class: "secondary", text: t("editor.rename-cancel"), onclick: function () {
          box.textContent = ""; start.focus();
        } });
        box.appendChild(el("div", { class: "actions" }, [yes, no]));
        yes.addEventListener("click", function () {
          yes.disabled = true;
          ask(true, update.checked, keep.checked).then(function (r2) {
            yes.disabled = false;
            if (r2.status === 200) {
              var message = r2.body.message;
              if (r2.body.failed && r2.body.failed.length) { message += " " + t("editor.rename-some-failed") + r2.body.failed.join("、"); }
              try { window.sessionStorage.setItem("zhan-flash", message); } catch (e) { /* only the message is lost */ }
              currentPending = null;
              location.href = "/_zhan/edit?path=" + encodeURIComponent(r2.body.path);
            } else {
              announce(t("editor.rename-failed") + (r2.body.error || r2.status), "error");
            }
          });
        });
        lead.focus();
      });
    });
    return el("section", { class: "rename", "aria-labelledby": "rename-title" }, [
      el("h2", { id: "rename-title", text: t("editor.rename-title") }),
      el("div", { class: "field" }, [
        el("label", { for: inputId, text: t("editor.rename-id") }),
        el("p", { id: inputId + "-help", class: "help", text: t("editor.rename-lead") }), input,
      ]),
      start, box,
    ]);
  }

  /* 删除: the first request lists what still points at the page; only the
     second, confirmed, deletes it (its last version stays in the history). */
  function deletePanel(path, state) {
    var box = el("div", { id: "delete-box" });
    var start = el("button", { type: "button", class: "secondary danger", id: "delete", text: t("editor.delete") });
    function ask(confirm) {
      return api("POST", "delete", { path: path, hash: state.hash, confirm: confirm });
    }
    start.addEventListener("click", function () {
      start.disabled = true;
      ask(false).then(function (res) {
        start.disabled = false;
        box.textContent = "";
        if (res.status !== 409 || !res.body.referrers) {
          announce(t("editor.delete-failed") + (res.body.error || res.status), "error");
          return;
        }
        var yes = el("button", { type: "button", class: "danger solid", id: "delete-confirm", text: t("editor.delete-confirm") });
        var no = el("button", { type: "button", class: "secondary", text: t("editor.delete-cancel"), onclick: function () {
          box.textContent = ""; start.focus();
        } });
        var lead = el("p", { class: res.body.referrers.length ? "alert" : "note", id: "delete-question", text: res.body.error });
        box.appendChild(lead);
        if (res.body.referrers.length) {
          box.appendChild(el("ul", { id: "delete-referrers" }, res.body.referrers.map(function (r) {
            return el("li", {}, [el("a", { href: "/_zhan/edit?path=" + encodeURIComponent(r.path), text: r.text })]);
          })));
        }
        box.appendChild(el("div", { class: "actions" }, [yes, no]));
        yes.addEventListener("click", function () {
          yes.disabled = true;
          ask(true).then(function (r2) {
            yes.disabled = false;
            if (r2.status === 200) {
              currentPending = null;
              announce(t("editor.deleted"), "ok");
              box.textContent = "";
              box.appendChild(el("p", { class: "ok", text: t("editor.deleted") }));
              box.appendChild(el("p", {}, [el("a", { href: "/_zhan/", text: t("editor.home-link") })]));
              var form = document.getElementById("editor-form");
              if (form) { form.hidden = true; }
              start.hidden = true;
            } else {
              announce(t("editor.delete-failed") + (r2.body.error || r2.status), "error");
            }
          });
        });
        lead.setAttribute("tabindex", "-1");
        lead.focus();
      });
    });
    return el("section", { class: "delete", "aria-labelledby": "delete-title" }, [
      el("h2", { id: "delete-title", text: t("editor.delete-title") }),
      el("p", { class: "help", text: t("editor.delete-lead") }), start, box,
    ]);
  }

  // ---------------------------------------------------------------------
  // The preview frame: sandboxed without scripts (the theme works without
  // them), but same-origin, so that a new version of the page replaces the
  // body of the one shown when its styles are the same: no new document,
  // no stylesheet loaded again, the scroll position kept. Keystroke to
  // updated preview took some 60 ms less on the 600-station corpus
  // (bench/editor_latency.js). A page with other styles (the first, or
  // another layout) is loaded as a new document. `shown` is called once
  // the new page is in the frame.

  function styleKey(d) {
    return Array.prototype.map.call(d.querySelectorAll("base, link[rel~=stylesheet], style"),
      function (n) { return n.outerHTML; }).join("\n");
  }

  function showPage(frame, html, shown) {
    var current = null;
    try { current = frame.contentDocument; } catch (e) { current = null; }
    var next = new DOMParser().parseFromString(html, "text/html");
    // Not while a new document is still loading: it would replace the change.
    if (!frame.zhanLoading && current && current.body && frame.getAttribute("data-updates")
      && styleKey(current) === styleKey(next)) {
      current.title = next.title;
      Array.prototype.forEach.call(next.documentElement.attributes, function (a) {
        current.documentElement.setAttribute(a.name, a.value);
      });
      current.body.replaceWith(current.adoptNode(next.body));
      shown();
      return;
    }
    frame.zhanLoading = true;
    frame.addEventListener("load", function () { frame.zhanLoading = false; shown(); }, { once: true });
    frame.srcdoc = html;
  }

  // ---------------------------------------------------------------------
  // On a phone the form and the preview do not fit side by side: two
  // buttons choose which one shows (the stylesheet hides the buttons on a
  // wide screen, where both show). Toggle buttons with aria-pressed, each
  // naming the part it shows; the choice is kept while the form is open.

  function viewSwitch(workbench) {
    var buttons = [];
    function choose(which) {
      workbench.setAttribute("data-view", which);
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-view") === which)); });
    }
    [["form", "editor.view-form"], ["preview", "editor.view-preview"]].forEach(function (v) {
      buttons.push(el("button", { type: "button", class: "secondary", "data-view": v[0], "aria-controls": v[0] === "form" ? "editor-form" : "preview",
        text: t(v[1]), onclick: function () { choose(v[0]); } }));
    });
    choose("form");
    return el("div", { class: "view-switch", role: "group", "aria-label": t("editor.view-label") }, buttons);
  }

  function historyPanel(path, state, reload) {
    var list = el("ul", { class: "versions-list" });
    var empty = el("p", { hidden: true, text: t("editor.history-empty") });
    var load = el("button", { type: "button", class: "secondary", id: "history-load", text: t("editor.history-load") });
    load.addEventListener("click", function () {
      api("GET", "history?path=" + encodeURIComponent(path)).then(function (res) {
        list.textContent = "";
        if (res.status !== 200) { announce(t("editor.load-failed") + (res.body.error || res.status), "error"); return; }
        empty.hidden = res.body.versions.length > 0;
        res.body.versions.forEach(function (v) {
          var restore = el("button", { type: "button", class: "small", text: t("editor.restore"), "aria-label": t("editor.restore") + " " + v.when, onclick: function () {
            api("POST", "restore", { path: path, id: v.id, hash: state.hash }).then(function (r) {
              if (r.status === 200) { announce(t("editor.restored"), "ok"); reload(); }
              else { announce(t("editor.save-failed") + (r.body.error || r.status), "error"); }
            });
          } });
          list.appendChild(el("li", {}, [el("span", { text: v.when }), " ", el("span", { class: "id", text: t("editor.size", { n: v.size }) }), " ", restore]));
        });
      });
    });
    return el("section", { class: "history", "aria-labelledby": "history-title" }, [
      el("h2", { id: "history-title", text: t("editor.history") }), load, empty, list,
    ]);
  }

  // ---------------------------------------------------------------------
  // Files beside the page: uploads and the file fields.

  var PHOTO_TYPES = ".jpg,.jpeg,.png,.webp";
  var ALL_TYPES = PHOTO_TYPES + ",.pdf,.docx,.xlsx,.pptx";

  /* The content file being edited (as the address names it). */
  function pagePath() { return new URLSearchParams(location.search).get("path") || ""; }

  /* The photos and documents beside the page, asked for once and again
     after each upload. */
  var besideList = null;
  function filesBeside(fresh) {
    if (!besideList || fresh) {
      besideList = api("GET", "files?path=" + encodeURIComponent(pagePath())).then(function (res) {
        return res.status === 200 ? res.body.files : [];
      }, function () { return []; });
    }
    return besideList;
  }

  /* Sends one file the worker chose; resolves to the name it got beside
     the page, or null (the reason is announced). The server proposes the
     name (pinyin, lower case, free); an existing file is never replaced. */
  function uploadFile(file) {
    var page = pagePath();
    var failed = function (text) { announce(t("editor.upload-failed") + text, "error"); return null; };
    var send = function (name, again) {
      announce(t("editor.uploading", { name: name }));
      return fetch("/_zhan/api/upload?page=" + encodeURIComponent(page) + "&name=" + encodeURIComponent(name), {
        method: "POST", credentials: "same-origin", body: file,
        headers: { "X-Zhan-Token": data.token, "Content-Type": "application/octet-stream" },
      }).then(function (r) {
        return r.text().then(function (text) {
          var body = {};
          try { body = JSON.parse(text); } catch (e) { body = { error: text }; }
          if (r.status === 201 || r.status === 200) {
            filesBeside(true);
            announce(t(name === file.name ? "editor.uploaded" : "editor.uploaded-as", { name: name, original: file.name }), "ok");
            return name;
          }
          // Taken between the proposal and the upload: once more, with the free name.
          if (r.status === 409 && body.suggestion && !again) { return send(body.suggestion, true); }
          return failed(body.error || String(r.status));
        });
      }, function (e) { return failed(String(e)); });
    };
    return api("POST", "upload-name", { page: page, name: file.name }).then(function (res) {
      if (res.status !== 200) { return failed(res.body.error || String(res.status)); }
      return send(res.body.name, false);
    }, function (e) { return failed(String(e)); });
  }

  /* An upload button: a real button (keyboard, screen readers) that opens
     the browser's file chooser; `done(name)` after a file was uploaded. */
  function uploadButton(label, accept, done) {
    var chooser = el("input", { type: "file", accept: accept, hidden: true, class: "upload-input" });
    var button = el("button", { type: "button", class: "secondary upload", text: label });
    button.addEventListener("click", function () { chooser.click(); });
    chooser.addEventListener("change", function () {
      var file = chooser.files && chooser.files[0];
      if (!file) { return; }
      button.disabled = true;
      uploadFile(file).then(function (name) {
        button.disabled = false;
        chooser.value = "";
        if (name) { done(name); }
        button.focus();
      });
    });
    return { node: el("span", { class: "upload-box" }, [button, chooser]), button: button };
  }

  /* A file field (a cover, an attachment's file): the name, typed or
     chosen among the files beside the page, or uploaded. */
  function fileWidget(field, value) {
    var w = inputWidget(field, value, "text", function (s) { return s.trim(); }, { spellcheck: "false", autocomplete: "off" });
    var photos = /cover/.test(field.key);
    var chooseId = w.input.id + "-choose";
    var choose = el("select", { id: chooseId, class: "choose-file" });
    var fill = function (name) {
      w.input.value = name;
      w.input.dispatchEvent(new Event("input", { bubbles: true }));
    };
    function list() {
      return filesBeside().then(function (files) {
        var keep = choose.value;
        choose.textContent = "";
        var shown = files.filter(function (f) { return !photos || f.kind === "photo"; });
        choose.appendChild(el("option", { value: "", text: shown.length ? t("editor.choose-file") : t("editor.no-files") }));
        shown.forEach(function (f) { choose.appendChild(el("option", { value: f.name, text: f.name })); });
        choose.value = keep;
      });
    }
    list();
    choose.addEventListener("focus", list);
    choose.addEventListener("change", function () { if (choose.value) { fill(choose.value); } });
    var up = uploadButton(photos ? t("editor.upload-photo") : t("editor.upload"), photos ? PHOTO_TYPES : ALL_TYPES, function (name) {
      fill(name);
      list();
    });
    w.node.insertBefore(el("div", { class: "file-tools" }, [
      el("label", { for: chooseId, class: "visually-hidden", text: t("editor.choose-file-label", { field: field.label }) }),
      choose, up.node,
    ]), w.problem);
    return w;
  }

  // ---------------------------------------------------------------------
  // The body's toolbar: bold, heading, list, link (a picker of the site's
  // pages that writes the relative `.md` link) and image (a photo beside
  // the page, with its description).

  /* Replaces the body's characters from..to by `text`, selects
     selFrom..selTo of it, and tells the form (check, preview). */
  function replaceIn(area, from, to, text, selFrom, selTo) {
    area.focus();
    area.setRangeText(text, from, to, "end");
    if (selFrom !== undefined) { area.setSelectionRange(from + selFrom, from + selTo); }
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  /* The start of the line `at` is on. */
  function lineStart(text, at) { return text.lastIndexOf("\n", at - 1) + 1; }

  function bold(area) {
    var a = area.selectionStart, b = area.selectionEnd;
    var inner = area.value.slice(a, b) || t("editor.tool-bold-sample");
    replaceIn(area, a, b, "**" + inner + "**", 2, 2 + inner.length);
  }

  function heading(area) {
    var start = lineStart(area.value, area.selectionStart);
    var rest = area.value.slice(start);
    var marks = /^#+ /.exec(rest);
    // A heading already: one level smaller; the smallest back to a line.
    var now = marks ? marks[0] : "";
    var next = !marks ? "## " : (now.length >= 5 ? "" : "#" + now);
    replaceIn(area, start, start + now.length, next);
  }

  function list(area) {
    var a = lineStart(area.value, area.selectionStart);
    var end = area.value.indexOf("\n", Math.max(area.selectionEnd - 1, a));
    var b = end < 0 ? area.value.length : end;
    var lines = area.value.slice(a, b).split("\n").map(function (l) { return /^\s*[-*] /.test(l) ? l : "- " + l; });
    var text = lines.join("\n");
    replaceIn(area, a, b, text, 0, text.length);
  }

  /* A box under the toolbar (the link picker, the image chooser): one at a
     time; Escape closes it and goes back to the body where the worker was. */
  function toolBox(area, holder, title, build) {
    var a = area.selectionStart, b = area.selectionEnd;
    holder.textContent = "";
    var close = function () { holder.textContent = ""; area.focus(); area.setSelectionRange(a, b); };
    var headingId = newId("tool-title");
    var box = el("section", { class: "tool-box", "aria-labelledby": headingId }, [el("h3", { id: headingId, text: title })]);
    box.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.preventDefault(); close(); } });
    var insert = function (text) { holder.textContent = ""; replaceIn(area, a, b, text); };
    build(box, insert, close, area.value.slice(a, b));
    box.appendChild(el("div", { class: "actions" }, [el("button", { type: "button", class: "secondary", text: t("editor.tool-cancel"), onclick: close })]));
    holder.appendChild(box);
    var first = box.querySelector("input, select, button");
    if (first) { first.focus(); }
  }

  /* Markdown link text: brackets would end it early. */
  function linkText(s) { return s.replace(/[\[\]]/g, function (c) { return "\\" + c; }); }

  function linkPicker(area, holder) {
    toolBox(area, holder, t("editor.link-title"), function (box, insert, close, selected) {
      var filterId = newId("link-filter");
      var filter = el("input", { id: filterId, type: "search", autocomplete: "off", "aria-describedby": filterId + "-help" });
      var results = el("div", { class: "link-results", "aria-live": "polite" });
      box.appendChild(el("div", { class: "field" }, [
        el("label", { for: filterId, text: t("editor.link-filter") }),
        el("p", { id: filterId + "-help", class: "help", text: t("editor.link-help") }), filter,
      ]));
      box.appendChild(results);
      var groups = [];
      function show() {
        var q = filter.value.trim().toLowerCase();
        results.textContent = "";
        var shownCount = 0;
        var more = 0;
        groups.forEach(function (g) {
          var hits = g.items.filter(function (i) { return !q || (i.title + " " + i.id + " " + i.path).toLowerCase().indexOf(q) >= 0; });
          if (!hits.length) { return; }
          var ul = el("ul", { class: "link-list" });
          hits.forEach(function (i) {
            if (shownCount >= 60) { more += 1; return; }
            shownCount += 1;
            ul.appendChild(el("li", {}, [el("button", { type: "button", class: "link-choice", "data-link": i.link, onclick: function () {
              insert("[" + linkText(selected || i.title) + "](" + i.link + ")");
              announce(t("editor.link-inserted", { link: i.link }), "ok");
            } }, [i.title, " ", el("span", { class: "id", text: i.link })])]));
          });
          if (ul.firstChild) { results.appendChild(el("h4", { text: g.name })); results.appendChild(ul); }
        });
        if (!shownCount) { results.appendChild(el("p", { text: t("editor.link-none") })); }
        if (more) { results.appendChild(el("p", { class: "help", text: t("editor.link-more", { n: more }) })); }
      }
      results.textContent = t("editor.loading");
      api("GET", "links?path=" + encodeURIComponent(pagePath())).then(function (res) {
        groups = res.status === 200 ? res.body.kinds : [];
        show();
      });
      filter.addEventListener("input", show);
      filter.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); var b = results.querySelector("button"); if (b) { b.focus(); } }
      });
    });
  }

  function imagePicker(area, holder) {
    toolBox(area, holder, t("editor.image-title"), function (box, insert, close, selected) {
      var chooseId = newId("image-choose");
      var altId = newId("image-alt");
      var choose = el("select", { id: chooseId });
      var alt = el("input", { id: altId, type: "text", value: selected, autocomplete: "off", "aria-describedby": altId + "-help " + altId + "-problem" });
      var problem = el("p", { id: altId + "-problem", class: "problem", hidden: true });
      function fillList(pick) {
        return filesBeside().then(function (files) {
          choose.textContent = "";
          var photos = files.filter(function (f) { return f.kind === "photo"; });
          if (!photos.length) { choose.appendChild(el("option", { value: "", text: t("editor.no-files") })); }
          photos.forEach(function (f) { choose.appendChild(el("option", { value: f.name, text: f.name })); });
          if (pick) { choose.value = pick; }
        });
      }
      fillList();
      var up = uploadButton(t("editor.upload-photo"), PHOTO_TYPES, function (name) { fillList(name).then(function () { alt.focus(); }); });
      var ok = el("button", { type: "button", class: "image-insert", text: t("editor.image-insert"), onclick: function () {
        var text = alt.value.trim();
        problem.hidden = true;
        if (!choose.value) { problem.textContent = t("editor.image-need-file"); problem.hidden = false; up.button.focus(); return; }
        if (!text) { problem.textContent = t("editor.image-need-alt"); problem.hidden = false; alt.focus(); return; }
        insert("![" + linkText(text) + "](" + choose.value + ")");
        announce(t("editor.image-inserted", { name: choose.value }), "ok");
      } });
      box.appendChild(el("div", { class: "field" }, [el("label", { for: chooseId, text: t("editor.image-choose") }),
        el("div", { class: "file-tools" }, [choose, up.node])]));
      box.appendChild(el("div", { class: "field" }, [el("label", { for: altId, text: t("editor.image-alt") }),
        el("p", { id: altId + "-help", class: "help", text: t("editor.image-alt-help") }), alt, problem]));
      alt.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); ok.click(); } });
      box.appendChild(el("div", { class: "actions" }, [ok]));
    });
  }

  /* The toolbar: one Tab stop, arrow keys between its buttons (the
     toolbar pattern of WAI-ARIA); each button says what it does. */
  function bodyToolbar(area) {
    var holder = el("div", { class: "tool-holder" });
    var tools = [
      ["bold", function () { bold(area); }],
      ["heading", function () { heading(area); }],
      ["list", function () { list(area); }],
      ["link", function () { linkPicker(area, holder); }],
      ["image", function () { imagePicker(area, holder); }],
    ];
    var buttons = tools.map(function (tool, i) {
      return el("button", { type: "button", class: "small tool", "data-tool": tool[0], tabindex: i === 0 ? "0" : "-1",
        text: t("editor.tool-" + tool[0]), onclick: tool[1] });
    });
    var bar = el("div", { role: "toolbar", class: "toolbar", "aria-label": t("editor.toolbar"), "aria-controls": area.id }, buttons);
    bar.addEventListener("keydown", function (e) {
      var at = buttons.indexOf(document.activeElement);
      if (at < 0) { return; }
      var to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[e.key];
      if (to === undefined) { return; }
      e.preventDefault();
      to = (to + buttons.length) % buttons.length;
      buttons[at].setAttribute("tabindex", "-1");
      buttons[to].setAttribute("tabindex", "0");
      buttons[to].focus();
    });
    return el("div", { class: "body-tools" }, [bar, holder]);
  }

  // ---------------------------------------------------------------------
  // Deleted pages, on the home page: each with 恢复, which puts the file
  // back as it was when deleted (refused if the name was used again).

  function deletedPanel() {
    var list = el("ul", { class: "items deleted-list" });
    var section = el("section", { class: "deleted", id: "deleted", hidden: true, "aria-labelledby": "h-deleted" }, [
      el("h2", { id: "h-deleted", text: t("editor.deleted-title") }),
      el("p", { class: "help", text: t("editor.deleted-lead") }), list,
    ]);
    api("GET", "deleted").then(function (res) {
      if (res.status !== 200 || !res.body.items.length) { return; }
      section.hidden = false;
      res.body.items.forEach(function (item) {
        var title = item.title || item.display;
        var row = el("li", {}, [el("span", { text: title }), " ", el("span", { class: "id", text: item.display }),
          " ", el("span", { class: "id", text: t("editor.deleted-when", { when: item.when }) })]);
        var restore = el("button", { type: "button", class: "small", text: t("editor.restore"),
          "aria-label": t("editor.undelete-label", { title: title }) });
        restore.addEventListener("click", function () {
          restore.disabled = true;
          api("POST", "undelete", { path: item.path, id: item.id }).then(function (r) {
            if (r.status === 200) {
              announce(t("editor.undeleted", { file: item.display }), "ok");
              row.textContent = "";
              row.appendChild(el("a", { href: "/_zhan/edit?path=" + encodeURIComponent(item.path), text: title }));
              row.appendChild(el("span", { class: "ok", text: " " + t("editor.undeleted", { file: item.display }) }));
              row.firstChild.focus();
            } else {
              restore.disabled = false;
              announce(t("editor.undelete-failed-lead") + (r.body.error || r.status), "error");
            }
          });
        });
        row.appendChild(restore);
        list.appendChild(row);
      });
    });
    return section;
  }

  if (data.page === "home") { home(); } else if (data.page === "edit") { edit(); }
})();
