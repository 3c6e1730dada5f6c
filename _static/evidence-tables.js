/* Search and sort for the book's long tables (progressive enhancement).
 *
 * A table with class "evidence-sortable" gets, above it, a labelled search box that hides
 * the rows not containing the text typed (case and spacing ignored), and a live count of the
 * rows shown; each column
 * heading becomes a button that sorts the rows (again to reverse), with aria-sort on the
 * heading. A cell's data-sort-value, when present, is sorted on instead of its text.
 * Without JavaScript the table is complete and readable. Jupyter Book links every script in
 * _static/ into every page, so on a page without such a table this script does nothing.
 * No external code; works offline. Its styles are in evidence-tables.css.
 */
(function () {
  "use strict";
  var counter = 0;

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var v = cell.getAttribute("data-sort-value");
    return (v !== null ? v : cell.textContent).trim();
  }

  function compare(a, b) {
    var x = parseFloat(a), y = parseFloat(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y) && String(x) === a && String(y) === b) {
      return x - y;
    }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function enhance(table) {
    var body = table.tBodies[0];
    if (!body || !table.tHead) return;
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) { row.dataset.order = String(i); });
    var noun = table.getAttribute("data-row-noun") || "rows";
    var id = table.id || "evidence-table-" + (++counter);
    table.id = id;

    // The search box, its label and a polite live count.
    var controls = document.createElement("div");
    controls.className = "evidence-table-controls";
    var label = document.createElement("label");
    label.htmlFor = id + "-search";
    label.textContent = "Search the table";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id + "-search";
    input.setAttribute("aria-controls", id);
    input.autocomplete = "off";
    var status = document.createElement("p");
    status.className = "evidence-table-status";
    status.setAttribute("aria-live", "polite");
    controls.append(label, input, status);
    var anchor = table.closest(".evidence-table-wrap") || table;
    anchor.parentNode.insertBefore(controls, anchor);

    function normalise(text) { return text.replace(/\s+/g, " ").trim().toLowerCase(); }
    var texts = rows.map(function (row) {
      return normalise(Array.prototype.map.call(row.cells, function (c) {
        return c.textContent;
      }).join(" "));
    });
    function filter() {
      var query = normalise(input.value);
      var shown = 0;
      rows.forEach(function (row, i) {
        var hit = texts[i].indexOf(query) !== -1;
        row.hidden = !hit;
        if (hit) shown++;
      });
      status.textContent = query
        ? "Showing " + shown + " of " + rows.length + " " + noun + "."
        : "Showing all " + rows.length + " " + noun + ".";
    }
    input.addEventListener("input", filter);
    filter();

    // Sortable headings: a button inside each th.
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var sorted = rows.slice().sort(function (a, b) {
          var c = compare(cellValue(a, index), cellValue(b, index));
          if (!ascending) c = -c;
          return c || Number(a.dataset.order) - Number(b.dataset.order);
        });
        sorted.forEach(function (row) { body.appendChild(row); });
      });
    });
    var caption = table.caption;
    if (caption) {
      var hint = document.createElement("span");
      hint.className = "evidence-table-hint";
      hint.textContent = " Select a column heading to sort by it.";
      caption.appendChild(hint);
    }
    table.dataset.enhanced = "true";
  }

  function main() {
    var tables = document.querySelectorAll("table.evidence-sortable");
    if (!tables.length) return; // nothing to do on this page
    Array.prototype.forEach.call(tables, enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
})();
