// The search page's few behaviours beyond htmx's attributes: the query box
// is the query for every request, `/` focuses it, network and server errors
// show in the page, and the phone "Filters" panel opens and closes.
// Everything else (state, history, sync) is in the HTML the server renders.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function box() { return document.getElementById("q"); }

  // A paste longer than the box takes (the server's query limit) is cut by
  // the browser without a word; say so beside the box.
  document.addEventListener("paste", function (e) {
    var q = box();
    if (!q || e.target !== q || !q.maxLength || q.maxLength < 0) return;
    var pasted = (e.clipboardData && e.clipboardData.getData("text")) || "";
    var room = q.maxLength - q.value.length + (q.selectionEnd - q.selectionStart);
    var note = document.getElementById("q-cut");
    if (!note) return;
    note.hidden = pasted.length <= room;
    note.textContent = note.hidden ? "" : "Your text was cut to the first " +
      q.maxLength.toLocaleString("en") + " characters the search reads.";
  });

  // `/` jumps to the search box, unless the reader is typing in a field.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var q = box();
    if (!q) return;
    e.preventDefault();
    q.focus();
    q.select();
  });

  // A link or form rendered by an older response carries the query as it was
  // then; the box holds what the reader has typed since, and that is the query.
  document.addEventListener("htmx:configRequest", function (e) {
    var q = box(), d = e.detail;
    if (!q || !d.elt || (d.elt.closest && d.elt.closest("#search"))) return;
    var url = new URL(d.path, location.href);
    if (url.origin !== location.origin || url.pathname !== "/") return;
    var typed = q.value.trim();
    if (d.formData && d.formData.has("q")) {
      if (d.formData.get("q") !== typed) d.formData.set("q", typed);
      return;
    }
    if ((url.searchParams.get("q") || "") === typed) return;
    if (typed) url.searchParams.set("q", typed); else url.searchParams.delete("q");
    url.searchParams.delete("page");
    d.path = url.pathname + url.search;
  });

  // Enter right after typing: the pending "pause in typing" request would ask
  // for what the submit already asks for, and replace it (hx-sync), turning
  // the submit's new history entry into a replaced one. It is dropped instead.
  var inflight = null;
  function queryOf(path) {
    try { return (new URL(path, location.href).searchParams.get("q") || "").trim(); }
    catch (err) { return null; }
  }
  document.addEventListener("htmx:beforeRequest", function (e) {
    var info = e.detail.pathInfo;
    inflight = info ? { elt: e.detail.elt, q: queryOf(info.finalRequestPath) } : null;
  });
  document.addEventListener("htmx:afterRequest", function () { inflight = null; });
  document.addEventListener("htmx:confirm", function (e) {
    var q = box();
    if (q && e.detail.elt === q && inflight && inflight.elt !== q &&
        inflight.elt.id === "search" && inflight.q === q.value.trim()) {
      e.preventDefault();
    }
  });

  // History: htmx snapshots the page when the URL changes, as HTML, so the
  // box would come back with the text it was first rendered with. The
  // snapshot's box gets the query of the URL it is saved under, so Back and
  // Forward restore it exactly (mode and filters are server-rendered already).
  document.addEventListener("htmx:beforeHistorySave", function (e) {
    var q = box();
    if (!q) return;
    var path = (e.detail && e.detail.path) || location.pathname + location.search;
    var saved = new URL(path, location.href).searchParams.get("q") || "";
    var typed = q.value;
    q.setAttribute("value", saved);
    q.value = typed;  // what the reader sees now stays as it is
  });

  // Errors: a message in the page; the reader's input stays as it is, and
  // the next request that gets an answer clears the message.
  function notice(text) {
    var el = document.getElementById("net-error");
    if (!el) return;
    el.textContent = text;
    el.hidden = !text;
  }
  document.addEventListener("htmx:sendError", function () {
    notice("Could not reach the archive: the server may be down or the connection lost. " +
           "Your search is kept; change it or press Search to try again.");
  });
  document.addEventListener("htmx:timeout", function () {
    notice("The archive took too long to answer. Your search is kept; try again.");
  });
  document.addEventListener("htmx:responseError", function (e) {
    var status = e.detail.xhr ? e.detail.xhr.status : 0;
    if (status >= 500) {
      notice("The archive could not answer that search (error " + status + "). " +
             "Your search is kept; try again in a moment.");
    }
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var status = e.detail.xhr ? e.detail.xhr.status : 0;
    if (status >= 200 && status < 500) notice("");
  });

  // Phone width: the facets sit behind a "Filters" button. Whether they are
  // open is kept on #results, which outlives the swaps of its content.
  function syncFilters() {
    var results = document.getElementById("results");
    var button = document.querySelector(".filters-toggle");
    if (results && button) {
      button.setAttribute("aria-expanded", results.classList.contains("filters-open") ? "true" : "false");
    }
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".filters-toggle");
    if (!button) return;
    var results = document.getElementById("results");
    results.classList.toggle("filters-open");
    syncFilters();
  });
  document.addEventListener("htmx:afterSettle", syncFilters);
})();
