/* Quick-Win Tracker: layout on narrow screens (issue 12). No inline scripts anywhere (CSP).

   1. The header's "Menu" button folds the main navigation away at phone width. The CSS folds it
      only under html.js, which this file sets: without JavaScript the navigation stays open.
   2. Every table.table gets each cell's column header as data-label, and the class table-stack:
      at phone width the CSS then shows each row as a block of "label: value" lines. A table this
      file has not seen scrolls inside its own box instead (see app.css, issue 12 section). The
      explicit ARIA roles keep the table a table for screen readers once its rows are blocks.
      A grid of figures read across and down (the summary's heat map and per-OPD table) keeps
      its shape: data-keep-table labels its cells but leaves it a table, which then scrolls
      sideways in its own box with its row headers held at the left.
*/
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.add("js");

  // ---------------------------------------------------------------- the menu

  function setMenu(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function initMenu() {
    var button = document.querySelector(".menu-toggle");
    if (!button) return;
    var list = document.getElementById(button.getAttribute("aria-controls"));
    if (!list) return;
    button.addEventListener("click", function () {
      setMenu(button, button.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and gives the focus back to its button.
    document.addEventListener("keydown", function (evt) {
      if (evt.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
      setMenu(button, false);
      if (list.contains(document.activeElement)) button.focus();
    });
    // A click or a tap anywhere else closes it too.
    document.addEventListener("click", function (evt) {
      if (button.getAttribute("aria-expanded") !== "true") return;
      if (button.contains(evt.target) || list.contains(evt.target)) return;
      setMenu(button, false);
    });
  }

  // ---------------------------------------------------------------- tables as stacked rows

  function headerTexts(table) {
    // Each column's name: the lowest header cell over it, across the header rows (a header
    // may span columns, colspan, or rows, rowspan: a two-row head names every column).
    var rows = table.tHead ? table.tHead.rows : [];
    var grid = [];
    Array.prototype.forEach.call(rows, function (row, r) {
      grid[r] = grid[r] || [];
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        while (grid[r][column] !== undefined) column++;
        var text = cell.textContent.replace(/\s+/g, " ").trim();
        for (var down = 0; down < (cell.rowSpan || 1); down++) {
          grid[r + down] = grid[r + down] || [];
          for (var across = 0; across < (cell.colSpan || 1); across++) grid[r + down][column + across] = text;
        }
        column += cell.colSpan || 1;
      });
    });
    return rows.length ? grid[rows.length - 1] : [];
  }

  function stackTable(table) {
    if (table.classList.contains("table-stack") || table.hasAttribute("data-labelled")) return;
    table.setAttribute("data-labelled", "");
    var texts = headerTexts(table);
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot"), function (group) {
      group.setAttribute("role", "rowgroup");
    });
    Array.prototype.forEach.call(table.rows, function (row) {
      row.setAttribute("role", "row");
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var span = cell.colSpan || 1;
        if (cell.tagName === "TH") {
          var inHead = cell.parentNode.parentNode === table.tHead;
          cell.setAttribute("role", inHead || cell.scope === "col" ? "columnheader" : "rowheader");
        } else {
          cell.setAttribute("role", "cell");
        }
        if (!cell.hasAttribute("data-label")) {
          // A cell across every column (a "nothing here" row) needs no label.
          var label = span > 1 && span >= texts.length ? "" : (texts[column] || "");
          cell.setAttribute("data-label", label);
        }
        column += span;
      });
    });
    if (!table.hasAttribute("data-keep-table")) table.classList.add("table-stack");
  }

  function stackTables(scope) {
    if (!scope || !scope.querySelectorAll) return;
    if (scope.matches && scope.matches("table.table")) stackTable(scope);
    Array.prototype.forEach.call(scope.querySelectorAll("table.table"), stackTable);
  }

  function init() {
    initMenu();
    stackTables(document);
    // Content htmx brings in (a re-rendered section, a page of rows) gets the same treatment.
    document.addEventListener("htmx:load", function (evt) { stackTables(evt.target); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
