/* Quick-Win Tracker: the little glue htmx and SortableJS need. No inline scripts anywhere. */
(function () {
  "use strict";

  var moveFromDialog = false;
  var dialogCardId = null;  // the card whose "move to" dialog is open
  var returnFocusTo = null;
  var dragging = false;  // a card is being dragged: the live board must not re-render under it

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
    p.textContent = text;
    region.appendChild(p);
  }

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
    new FormData(form).forEach(function (value, key) { values[key] = value; });
    return values;
  }

  function moveUrl(id) {
    var board = document.getElementById("board");
    return board.dataset.moveUrl.replace(/\/0\/move$/, "/" + id + "/move");
  }

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
    // The answer re-renders both cells from the server: made or refused, the board shows the truth.
    htmx.ajax("POST", moveUrl(item.dataset.initiativeId), {
      source: item, target: "#board-status", swap: "innerHTML", values: values
    }).finally(function () { setDragging(false); });
  }

  function initSortables(root) {
    if (!window.Sortable || !root.querySelectorAll) return;
    var lists = root.matches && root.matches("#board ol.cards") ? [root] : [];
    lists = lists.concat(Array.prototype.slice.call(root.querySelectorAll("#board ol.cards, ol.cards")));
    lists.forEach(function (list) {
      if (list._sortable || !list.closest("#board")) return;
      list._sortable = Sortable.create(list, {
        group: "lane-" + list.dataset.dimension,
        draggable: ".movable",
        animation: 120,
        ghostClass: "card-ghost",
        onStart: function () { dragging = true; },
        onEnd: function (evt) { dragging = false; onDrop(evt); }
      });
    });
  }

  // ---------------------------------------------------------------- the "move to" dialog

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#board a.move-link");
    if (link && window.htmx) {
      var dialog = document.getElementById("move-dialog");
      if (!dialog || !dialog.showModal) return;
      event.preventDefault();
      returnFocusTo = link;
      var card = link.closest(".card");
      dialogCardId = card ? card.dataset.initiativeId : null;
      htmx.ajax("GET", link.getAttribute("href"), { target: "#move-dialog-body", swap: "innerHTML" })
        .then(function () {
          dialog.showModal();
          var first = dialog.querySelector("select");
          if (first) first.focus();
        });
      return;
    }
    var close = event.target.closest && event.target.closest("#move-dialog .dialog-close");
    if (close) {
      event.preventDefault();
      document.getElementById("move-dialog").close();
    }
  });

  document.addEventListener("close", function (event) {
    if (event.target.id === "move-dialog" && returnFocusTo && document.body.contains(returnFocusTo)) {
      returnFocusTo.focus();
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.closest && event.target.closest("#move-dialog form")) moveFromDialog = true;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("#move-dialog form.move-form");
    if (form && event.detail.requestConfig && event.detail.requestConfig.verb === "post") {
      var dialog = document.getElementById("move-dialog");
      if (dialog.open) dialog.close();
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id !== "board-status" || !moveFromDialog) return;
    moveFromDialog = false;
    // Made or refused, focus goes back to the card (re-rendered by the answer), so keyboard
    // users keep their place on the board.
    var message = event.target.querySelector("[data-moved-id]");
    var id = message ? message.dataset.movedId : dialogCardId;
    var card = id && document.getElementById("card-" + id);
    // The "Move" link that opened the dialog, else the title (querySelector with a selector list
    // would return whichever comes first in the card, i.e. always the title).
    var focusable = card && (card.querySelector(".move-link") || card.querySelector(".card-title"));
    if (focusable) focusable.focus();
  });

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
    if (document.getElementById("board")) reloadBoard();
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt.id === "board-poll") return;
    say(document.documentElement.dataset.msgOffline || "Offline", true);
    if (document.getElementById("board")) reloadBoard();
  });

  // ---------------------------------------------------------------- the live board
  // #board-poll asks /board/version every few seconds with If-None-Match: the board's own tag.
  // 304: nothing changed. 200: someone changed something; the board is re-fetched, keeping the
  // keyboard focus (same card, same control) and the horizontal scroll.

  function busy() {
    var dialog = document.getElementById("move-dialog");
    return dragging || !!(dialog && dialog.open);
  }

  function boardVersion() {
    var board = document.getElementById("board");
    return board ? board.dataset.boardVersion || "" : "";
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
      reloadBoard();
    }
  });

  function focusedPlace() {
    var active = document.activeElement;
    var card = active && active.closest && active.closest("#board .card");
    if (!card) return null;
    return { id: card.id, control: active.classList.contains("move-link") ? ".move-link" : ".card-title" };
  }

  function reloadBoard() {
    var place = focusedPlace();
    var scroller = document.querySelector("#board .board-scroll");
    var scrollLeft = scroller ? scroller.scrollLeft : 0;
    return htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#board", swap: "outerHTML" })
      .then(function () {
        var again = document.querySelector("#board .board-scroll");
        if (again) again.scrollLeft = scrollLeft;
        var card = place && document.getElementById(place.id);
        var focusable = card && card.querySelector(place.control);
        if (focusable) focusable.focus({ preventScroll: true });
      });
  }

  function boot() {
    if (!window.htmx) return;
    htmx.onLoad(initSortables);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
