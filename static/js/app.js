/* Quick-Win Tracker: the little glue htmx and SortableJS need. No inline scripts anywhere.
   Everything here enhances pages that work without it: the board, its quick view, the "move to"
   dialog, the phone's stage tabs and folded filters, and the live board. */
(function () {
  "use strict";

  // (layout.js, loaded on every page, marks <html class="js">: the CSS's no-script fallbacks.)

  var moveFromDialog = false;
  var dialogCardId = null;  // the card whose "move to" dialog is open
  var returnFocusTo = null;
  var dragging = false;  // a card is being dragged: the live board must not re-render under it
  var toastTimer = null;

  function board() { return document.getElementById("board"); }

  function statusRegion() {
    return document.getElementById("board-status") || document.getElementById("global-status");
  }

  function say(text, isError) {
    var region = statusRegion();
    if (!region) return;
    region.hidden = false;
    region.textContent = "";
    var p = document.createElement("p");
    p.className = "move-message " + (isError ? "refused" : "ok");
    if (isError) p.setAttribute("role", "alert");
    p.textContent = text;
    region.appendChild(p);
    fadeToast();
  }

  // The toast (#board-status) clears itself: a success after a few seconds, a refusal later
  // (the refused card stays marked, with its reason, until dismissed).
  function fadeToast() {
    var region = document.getElementById("board-status");
    if (!region) return;
    if (toastTimer) clearTimeout(toastTimer);
    var refused = region.querySelector(".refused");
    toastTimer = setTimeout(function () { region.textContent = ""; }, refused ? 9000 : 4000);
  }

  // ---------------------------------------------------------------- the board's viewport
  // The board fills the window below its own top, so its headers stay in view while it scrolls.

  function fitBoard() {
    var b = board();
    var scroller = b && b.querySelector(".board-scroll");
    if (!scroller) return;
    var top = scroller.getBoundingClientRect().top + window.scrollY;
    b.style.setProperty("--board-top", Math.round(top + 12) + "px");
  }

  window.addEventListener("resize", fitBoard);

  // ---------------------------------------------------------------- drag and drop

  function sortables() {
    return Array.prototype.map.call(document.querySelectorAll("#board ol.cards"), function (l) {
      return l._sortable;
    }).filter(Boolean);
  }

  function setDragging(disabled) {
    sortables().forEach(function (s) { s.option("disabled", disabled); });
  }

  function filterValues() {
    var values = {};
    var form = document.getElementById("board-filters");
    if (!form) return values;
    new FormData(form).forEach(function (value, key) { if (value !== "") values[key] = value; });
    return values;
  }

  function idUrl(template, id) {
    return template.replace(/\/0(\/move)?$/, "/" + id + "$1");
  }

  function moveUrl(id) { return idUrl(board().dataset.moveUrl, id); }

  function previousCard(item) {
    var prev = item.previousElementSibling;
    while (prev && !prev.classList.contains("card")) prev = prev.previousElementSibling;
    return prev;
  }

  function onDrop(evt) {
    var item = evt.item;
    if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
    var prev = previousCard(item);
    var values = filterValues();
    values.stage = evt.to.dataset.stage;
    values.from_stage = evt.from.dataset.stage;  // its cell is re-rendered with the answer
    values.after = prev ? prev.dataset.initiativeId : "top";
    values.version = item.dataset.version;
    setDragging(true);
    moveFromDialog = false;
    item.classList.add("is-busy");  // in flight: the answer re-renders it
    item.setAttribute("aria-busy", "true");
    // The answer re-renders both cells from the server: made or refused, the board shows the truth.
    htmx.ajax("POST", moveUrl(item.dataset.initiativeId), {
      source: item, target: "#board-status", swap: "innerHTML", values: values
    }).finally(function () {
      setDragging(false);
      item.classList.remove("is-busy");
      item.removeAttribute("aria-busy");
    });
  }

  function initSortables(root) {
    if (!window.Sortable || !root.querySelectorAll) return;
    var lists = root.matches && root.matches("#board ol.cards") ? [root] : [];
    lists = lists.concat(Array.prototype.slice.call(root.querySelectorAll("ol.cards")));
    lists.forEach(function (list) {
      if (list._sortable || !list.closest("#board")) return;
      list._sortable = Sortable.create(list, {
        group: "lane-" + list.dataset.dimension,
        draggable: ".movable",
        filter: ".more, .card-alert",
        preventOnFilter: false,
        animation: 120,
        ghostClass: "card-ghost",  // the placeholder where the card will land
        delay: 350,  // on touch screens a long press starts a drag; a swipe scrolls
        delayOnTouchOnly: true,
        scroll: true,  // dragging near an edge scrolls the cell and the board
        bubbleScroll: true,
        scrollSensitivity: 70,
        scrollSpeed: 14,
        onStart: function () { dragging = true; },
        onEnd: function (evt) { dragging = false; onDrop(evt); }
      });
    });
  }

  // ---------------------------------------------------------------- the "move to" dialog

  function openMoveDialog(link) {
    var dialog = document.getElementById("move-dialog");
    if (!dialog || !dialog.showModal || !window.htmx) return false;
    returnFocusTo = link;
    var card = link.closest(".card");
    dialogCardId = card ? card.dataset.initiativeId : link.dataset.cardId || null;
    htmx.ajax("GET", link.getAttribute("href"), { target: "#move-dialog-body", swap: "innerHTML" })
      .then(function () {
        dialog.showModal();
        var first = dialog.querySelector("select");
        if (first) first.focus();
      });
    return true;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var link = target.closest("#board a.move-link, #quick-view a.quick-move");
    if (link) {
      if (openMoveDialog(link)) event.preventDefault();
      return;
    }
    var close = target.closest("#move-dialog .dialog-close");
    if (close) {
      event.preventDefault();
      document.getElementById("move-dialog").close();
      return;
    }
    var dismiss = target.closest(".card-alert-close");
    if (dismiss) {
      var marked = dismiss.closest(".card");
      dismiss.closest(".card-alert").remove();
      if (marked) {
        marked.classList.remove("card-refused");
        var title = marked.querySelector(".card-title");
        if (title) title.focus();
      }
      return;
    }
    var tab = target.closest(".stage-tab");
    if (tab) { showStage(tab.dataset.stage); return; }
    var toggle = target.closest(".filter-toggle");
    if (toggle) { toggleFilters(toggle); return; }
    var quickClose = target.closest("#quick-view .quick-close");
    if (quickClose) { event.preventDefault(); closeQuick(); return; }
    // A card's title, or the card itself (not its links or buttons): its quick view.
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) return;
    var card = target.closest("#board .card");
    if (!card) return;
    var title = target.closest(".card-title");
    if (!title && target.closest("a, button, input, select, textarea, .card-alert")) return;
    event.preventDefault();
    openQuick(card.dataset.initiativeId, true);
  });

  document.addEventListener("close", function (event) {
    if (event.target.id === "move-dialog" && returnFocusTo && document.body.contains(returnFocusTo)) {
      returnFocusTo.focus();
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.closest && event.target.closest("#move-dialog form")) {
      moveFromDialog = true;
      var card = dialogCardId && document.getElementById("card-" + dialogCardId);
      if (card) { card.classList.add("is-busy"); card.setAttribute("aria-busy", "true"); }
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("#move-dialog form.move-form");
    if (form && event.detail.requestConfig && event.detail.requestConfig.verb === "post") {
      var dialog = document.getElementById("move-dialog");
      if (dialog.open) dialog.close();
      var card = dialogCardId && document.getElementById("card-" + dialogCardId);
      if (card) { card.classList.remove("is-busy"); card.removeAttribute("aria-busy"); }
    }
  });

  // The answer to a move has settled: the card it is about is shown where it now is, in view
  // (its cell and the board scroll to it), with its mark; from the dialog, focus goes back to it.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id !== "board-status") return;
    fadeToast();
    var message = event.target.querySelector("[data-moved-id], [data-card-id]");
    var id = message ? (message.dataset.movedId || message.dataset.cardId) : dialogCardId;
    var card = id && document.getElementById("card-" + id);
    if (card) card.scrollIntoView({ block: "nearest", inline: "nearest" });
    if (!moveFromDialog) return;
    moveFromDialog = false;
    var focusable = card && (card.querySelector(".card-alert-close") || card.querySelector(".move-link") ||
                             card.querySelector(".card-title"));
    if (focusable) focusable.focus();
  });

  // ---------------------------------------------------------------- the quick view
  // ?card=<id> in the URL is the open quick view: opening pushes it, Back (popstate) closes it,
  // and a shared link opens the board with it (rendered by the server).

  function urlWithCard(id) {
    var url = new URL(window.location.href);
    if (id) url.searchParams.set("card", id); else url.searchParams.delete("card");
    return url.pathname + url.search + url.hash;
  }

  function cardOfUrl() {
    return new URL(window.location.href).searchParams.get("card");
  }

  function openQuick(id, push) {
    var panel = document.getElementById("quick-view");
    var b = board();
    if (!panel || !b || !window.htmx) return;
    var query = new URL(window.location.href).searchParams;
    query.delete("card");
    var url = idUrl(b.dataset.cardUrl, id) + (query.toString() ? "?" + query.toString() : "");
    htmx.ajax("GET", url, { target: "#quick-view", swap: "innerHTML" }).then(function () {
      panel.hidden = false;
      if (push) history.pushState({ quickView: id }, "", urlWithCard(id));
      var heading = panel.querySelector("#quick-title");
      if (heading) heading.focus();
    });
  }

  function hideQuick() {
    var panel = document.getElementById("quick-view");
    if (!panel || panel.hidden) return;
    var id = panel.querySelector("[data-card-id]");
    panel.hidden = true;
    panel.textContent = "";
    var card = id && document.getElementById("card-" + id.dataset.cardId);
    var title = card && card.querySelector(".card-title");
    if (title) title.focus({ preventScroll: true });
  }

  function closeQuick() {
    if (history.state && history.state.quickView) { history.back(); return; }  // popstate hides it
    history.replaceState(history.state, "", urlWithCard(null));
    hideQuick();
  }

  function syncQuick() {
    var id = cardOfUrl();
    var panel = document.getElementById("quick-view");
    if (!panel) return;
    var shown = panel.querySelector("[data-card-id]");
    if (!id) hideQuick();
    else if (!shown || shown.dataset.cardId !== id || panel.hidden) openQuick(id, false);
  }

  window.addEventListener("popstate", syncQuick);
  document.addEventListener("htmx:historyRestore", syncQuick);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var panel = document.getElementById("quick-view");
    var dialog = document.getElementById("move-dialog");
    if (panel && !panel.hidden && !(dialog && dialog.open)) closeQuick();
  });

  // ---------------------------------------------------------------- phones: stage tabs, filters

  function showStage(code) {
    var b = board();
    if (!b) return;
    var tabs = b.querySelectorAll(".stage-tab");
    if (!tabs.length) return;
    var known = Array.prototype.some.call(tabs, function (t) { return t.dataset.stage === code; });
    if (!known) code = tabs[0].dataset.stage;
    try { sessionStorage.setItem("quickwin-stage-tab", code); } catch (e) { /* private mode */ }
    Array.prototype.forEach.call(tabs, function (t) {
      t.setAttribute("aria-pressed", t.dataset.stage === code ? "true" : "false");
    });
    Array.prototype.forEach.call(b.querySelectorAll(".lane-body > [data-stage]"), function (el) {
      el.classList.toggle("tab-current", el.dataset.stage === code);
    });
  }

  function restoreStage() {
    var code = null;
    try { code = sessionStorage.getItem("quickwin-stage-tab"); } catch (e) { /* private mode */ }
    showStage(code);
  }

  function toggleFilters(button) {
    var form = document.getElementById(button.getAttribute("aria-controls"));
    if (!form) return;
    var open = !form.classList.contains("is-open");
    form.classList.toggle("is-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { var first = form.querySelector("select, input"); if (first) first.focus(); }
  }

  // ---------------------------------------------------------------- filters and history
  // The filters live in the URL (bookmarks, sharing, Back). htmx swaps only #board, so after
  // Back or Forward the page it restores shows the filter controls as they were when it was
  // kept (already changed to the next filters): set them from the restored URL, so the next
  // change starts from what the board shows.

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id !== "board-filters") return;
    var params = event.detail.parameters;  // empty filters stay out of the URL
    Object.keys(params).forEach(function (key) { if (params[key] === "") delete params[key]; });
  });

  function filtersFromUrl() {
    var form = document.getElementById("board-filters");
    if (!form) return;
    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit" || el.type === "hidden") return;
      if (el.type === "checkbox") el.checked = params.getAll(el.name).indexOf(el.value) >= 0;
      else el.value = params.get(el.name) || el.dataset.default || "";  // unit: the scope's
    });
  }

  document.addEventListener("htmx:historyRestore", filtersFromUrl);

  // ---------------------------------------------------------------- errors htmx does not swap

  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.elt.id === "board-poll") return;  // the next poll tries again, quietly
    var xhr = event.detail.xhr;
    var text = xhr.status === 400 ? document.documentElement.dataset.msgExpired : document.documentElement.dataset.msgFailed;
    say((text || "Error") + " (" + xhr.status + ")", true);
    if (board()) reloadBoard();
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt.id === "board-poll") return;
    say(document.documentElement.dataset.msgOffline || "Offline", true);
    if (board()) reloadBoard();
  });

  // ---------------------------------------------------------------- the live board
  // #board-poll asks /board/version every few seconds with If-None-Match: the board's own tag.
  // 304: nothing changed. 200: someone changed something; the board is re-fetched, keeping what
  // the reader is looking at: the keyboard focus, the board's and every cell's scroll, a refused
  // card's mark; the cards that changed are highlighted briefly.

  function busy() {
    var dialog = document.getElementById("move-dialog");
    return dragging || !!(dialog && dialog.open) || !!document.querySelector("#board .card.is-busy");
  }

  function boardVersion() {
    var b = board();
    return b ? b.dataset.boardVersion || "" : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id === "board-poll" && boardVersion()) {
      event.detail.headers["If-None-Match"] = '"' + boardVersion() + '"';
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.id === "board-poll" && busy()) event.preventDefault();
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt.id !== "board-poll") return;
    var xhr = event.detail.xhr;
    // The ETag tells the tag's answer from, say, a login page after the session expired.
    if (xhr.status === 200 && xhr.getResponseHeader("ETag") && xhr.responseText &&
        xhr.responseText !== boardVersion() && !busy()) {
      reloadBoard(true);
    }
  });

  function focusedPlace() {
    var active = document.activeElement;
    var card = active && active.closest && active.closest("#board .card");
    if (!card) return null;
    return { id: card.id, control: active.classList.contains("move-link") ? ".move-link" : ".card-title" };
  }

  function keptView() {
    var b = board();
    var view = { versions: {}, cells: {}, alerts: {}, left: 0, top: 0 };
    if (!b) return view;
    var scroller = b.querySelector(".board-scroll");
    if (scroller) { view.left = scroller.scrollLeft; view.top = scroller.scrollTop; }
    Array.prototype.forEach.call(b.querySelectorAll(".card"), function (c) {
      view.versions[c.id] = c.dataset.version;
    });
    Array.prototype.forEach.call(b.querySelectorAll(".cell"), function (c) {
      if (c.scrollTop) view.cells[c.id] = { top: c.scrollTop, cards: c.querySelectorAll(".card").length };
    });
    Array.prototype.forEach.call(b.querySelectorAll(".card-refused"), function (c) {
      var alert = c.querySelector(".card-alert");
      if (alert) view.alerts[c.id] = alert;
    });
    return view;
  }

  // Redrawn in two steps, as htmx swaps: the scroll positions (and a refused card's mark) as soon
  // as the new board is in (no jump), the highlights once it has settled (htmx puts an element's
  // new attributes, data-version and class included, in place only then).
  function restoreScroll(view) {
    var b = board();
    if (!b) return;
    var scroller = b.querySelector(".board-scroll");
    if (scroller) { scroller.scrollLeft = view.left; scroller.scrollTop = view.top; }
    // A cell scrolled down had loaded more cards than a redraw shows: load as many again (one
    // request), then put its scroll back, so the card under the reader's eyes stays there.
    Object.keys(view.cells).forEach(function (id) {
      var cell = document.getElementById(id);
      if (!cell) return;
      var kept = view.cells[id];
      var missing = kept.cards - cell.querySelectorAll(".card").length;
      var more = cell.querySelector(".more a");
      if (missing > 0 && more && window.htmx) {
        var url = more.getAttribute("href") + "&limit=" + missing;
        htmx.ajax("GET", url, { target: more.closest("li"), swap: "outerHTML" })
          .then(function () { cell.scrollTop = kept.top; });
      }
      cell.scrollTop = kept.top;
    });
  }

  function restoreMarks(view, highlight) {
    var b = board();
    if (!b) return;
    Object.keys(view.alerts).forEach(function (id) {
      var card = document.getElementById(id);
      if (card && !card.querySelector(".card-alert")) {
        card.classList.add("card-refused");
        card.appendChild(view.alerts[id]);
      }
    });
    if (!highlight) return;
    Array.prototype.forEach.call(b.querySelectorAll(".card"), function (c) {
      if (view.versions[c.id] !== c.dataset.version) c.classList.add("card-changed");
    });
  }

  var redraw = null;  // what to keep across the board's next redraw: {view, highlight, place}

  function reloadBoard(highlight) {
    redraw = { view: keptView(), highlight: !!highlight, place: focusedPlace() };
    return htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#board", swap: "outerHTML" });
  }

  // A lane folded or the density changed: the board is redrawn where the reader was.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.target && event.detail.target.id === "board" && elt && elt.closest &&
        elt.closest(".lane-fold, .density-switch")) {
      redraw = { view: keptView(), highlight: false, place: null };
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    if (redraw && board() && !redraw.scrolled) { restoreScroll(redraw.view); redraw.scrolled = true; }
  });

  // The board was (re)drawn: size it, show the phone's chosen stage, and put back what the
  // reader had (marks, highlights of what changed, focus).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id !== "board") return;
    fitBoard();
    restoreStage();
    if (!redraw) return;
    var kept = redraw;
    redraw = null;
    if (!kept.scrolled) restoreScroll(kept.view);
    restoreMarks(kept.view, kept.highlight);
    var card = kept.place && document.getElementById(kept.place.id);
    var focusable = card && card.querySelector(kept.place.control);
    if (focusable) focusable.focus({ preventScroll: true });
  });

  // Row menus (<details class="row-menu">) open and close without this; it adds what a menu
  // button is expected to do: Escape closes it (focus back on its button), and so do a click
  // outside it and opening another one.
  function closeMenus(except) {
    document.querySelectorAll("details.row-menu[open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details.row-menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });

  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details.row-menu"));
  });

  function boot() {
    fitBoard();
    restoreStage();
    if (!window.htmx) return;
    htmx.onLoad(initSortables);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
