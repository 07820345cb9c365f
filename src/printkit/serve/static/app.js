/* printkit serve: follow the server's events (GET /events, Server-Sent Events). A kit's
   page swaps only the page images that changed and keeps its scroll position; the front
   page keeps each kit's status current; a form says it is working while it builds. */
(function () {
  "use strict";
  var body = document.body;
  var page = body.dataset.page;
  var kit = body.dataset.kit || null;

  var STATUS = {
    idle: "Up to date.",
    queued: "A change was saved: updating in a moment…",
    preview: "Updating the preview…",
    building: "Preview updated. Building the print files…",
    problem: "The last change has a problem (see below). The pages show the last version that built."
  };
  var lastChange = "";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function setStatus(status, extra) {
    var line = document.getElementById("status");
    if (!line) { return; }
    line.dataset.status = status;
    var text = STATUS[status] || status;
    if (status === "building" && lastChange) { text = lastChange + " Building the print files…"; }
    if (status === "idle" && lastChange) { text = "Up to date. " + lastChange; }
    line.textContent = extra ? text + " " + extra : text;
  }

  function pageLabel(p) { return "Page " + p.n + (p.document ? " · " + p.document : ""); }

  function figure(p) {
    var fig = el("figure", { "class": "page", id: "page-" + p.n });
    var img = el("img", { width: Math.round(p.width * 1.5), height: Math.round(p.height * 1.5),
                          loading: "lazy", alt: "" });
    fig.appendChild(img);
    fig.appendChild(el("figcaption"));
    return fig;
  }

  function swap(fig, p, highlight) {
    var img = fig.querySelector("img");
    var src = "/pages/" + p.key + ".png";
    var next = new Image();
    next.onload = function () {
      img.src = src;
      img.width = Math.round(p.width * 1.5);
      img.height = Math.round(p.height * 1.5);
      fig.dataset.key = p.key;
      if (highlight) {
        fig.classList.add("changed");
        window.setTimeout(function () { fig.classList.remove("changed"); }, 2500);
      }
    };
    next.src = src;
  }

  function showPages(pages, changed) {
    var list = document.getElementById("page-list");
    if (!list) { return; }
    var marked = {};
    (changed || []).forEach(function (n) { marked[n] = true; });
    pages.forEach(function (p) {
      var fig = document.getElementById("page-" + p.n);
      if (!fig) { fig = figure(p); list.appendChild(fig); }
      fig.querySelector("img").alt = "Page " + p.n + ": " + (p.document || "cover");
      fig.querySelector("figcaption").textContent = pageLabel(p);
      if (fig.dataset.key !== p.key) { swap(fig, p, !!marked[p.n]); }
    });
    for (var n = pages.length + 1; document.getElementById("page-" + n); n++) {
      document.getElementById("page-" + n).remove();
    }
    var empty = document.getElementById("no-pages");
    if (empty) { empty.hidden = pages.length > 0; }
    var count = document.getElementById("page-count");
    if (count) { count.textContent = pages.length; }
  }

  function showSamples(samples) {
    var note = document.getElementById("sample-note");
    if (!note || !samples) { return; }
    note.hidden = samples.length === 0;
    note.querySelector(".sample-list").textContent = samples.join("; ");
  }

  function showProblems(problems) {
    var box = document.getElementById("problems");
    if (!box) { return; }
    var list = box.querySelector(".problem-list");
    list.textContent = "";
    (problems || []).forEach(function (p) {
      var item = el("li", { "class": "problem " + p.severity });
      if (p.file) {
        item.appendChild(el("code", { "class": "where" }, p.file + (p.line ? ":" + p.line : "")));
        item.appendChild(document.createTextNode(" "));
      }
      item.appendChild(el("span", { "class": "severity" }, p.severity + ":"));
      item.appendChild(document.createTextNode(" " + p.message));
      if (p.hint) { item.appendChild(el("span", { "class": "hint" }, p.hint)); }
      list.appendChild(item);
    });
    box.hidden = !problems || problems.length === 0;
  }

  function describe(changed) {
    if (!changed || !changed.length) { return "No page changed."; }
    if (changed.length > 4) { return changed.length + " pages changed."; }
    return (changed.length === 1 ? "Page " : "Pages ") + changed.join(", ") + " changed.";
  }

  function refreshPanel() {
    fetch("/kits/" + encodeURIComponent(kit) + "/panel", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var panel = document.getElementById("panel");
        if (html !== null && panel) { panel.innerHTML = html; }
      })
      .catch(function () {});
  }

  function applyState(state) {
    showPages(state.pages, []);
    showSamples(state.samples);
    showProblems(state.problems);
    setStatus(state.problems && state.problems.length ? "problem" : state.status);
  }

  function syncKit() {
    fetch("/kits/" + encodeURIComponent(kit) + "/state.json", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) { applyState(state); } })
      .catch(function () {});
  }

  function followKit(source) {
    source.addEventListener("open", syncKit);
    source.addEventListener("pages", function (e) {
      var d = JSON.parse(e.data);
      if (d.kit !== kit) { return; }
      lastChange = describe(d.changed);
      showPages(d.pages, d.changed);
      showSamples(d.samples);
      showProblems([]);
      refreshPanel();
      setStatus(d.status === "building" ? "building" : "idle");
    });
    source.addEventListener("status", function (e) {
      var d = JSON.parse(e.data);
      var line = document.getElementById("status");
      if (d.kit !== kit || (line && line.dataset.status === "problem" && d.status === "idle")) {
        return;
      }
      setStatus(d.status);
    });
    source.addEventListener("progress", function (e) {
      var d = JSON.parse(e.data);
      var line = document.getElementById("status");
      if (d.kit === kit && line && line.dataset.status !== "idle") {
        setStatus(line.dataset.status, "(" + d.done + " of " + d.total + ")");
      }
    });
    source.addEventListener("problem", function (e) {
      var d = JSON.parse(e.data);
      if (d.kit !== kit) { return; }
      showProblems(d.problems);
      setStatus("problem");
    });
    source.addEventListener("built", function (e) {
      var d = JSON.parse(e.data);
      if (d.kit !== kit) { return; }
      showSamples(d.samples);
      refreshPanel();
    });
  }

  function followFront(source) {
    var words = { idle: "Ready", queued: "Waiting to update", preview: "Updating the preview",
                  building: "Building the files" };
    function card(name) { return document.querySelector('.kit-card[data-kit="' + CSS.escape(name) + '"]'); }
    source.addEventListener("status", function (e) {
      var d = JSON.parse(e.data);
      var c = card(d.kit);
      var cell = c && c.querySelector(".status-text");
      if (cell) { cell.textContent = words[d.status] || d.status; cell.dataset.status = d.status; }
    });
    source.addEventListener("built", function (e) {
      var c = card(JSON.parse(e.data).kit);
      var cell = c && c.querySelector(".built");
      if (cell) { cell.textContent = "just now"; }
    });
  }

  function busyForms() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector('button[type="submit"]');
        var note = form.querySelector(".busy");
        if (note) { note.textContent = form.dataset.busy; }
        if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
      });
    });
  }

  busyForms();
  if ((page === "kit" || page === "front") && window.EventSource) {
    var source = new EventSource("/events");
    if (page === "kit") {
      var state = document.getElementById("state");
      if (state) { applyState(JSON.parse(state.textContent)); }
      followKit(source);
    } else {
      followFront(source);
    }
  }
}());
