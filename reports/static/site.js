/* Client-side search and sort for every table.data-table; no libraries, no network. */
(function () {
  "use strict";

  function rowsOf(table) { return Array.prototype.slice.call(table.tBodies[0].rows); }

  function updateCount(table) {
    const label = document.querySelector('[data-count-for="' + table.id + '"]');
    if (!label) { return; }
    const rows = rowsOf(table);
    const shown = rows.filter(function (row) { return !row.hidden; }).length;
    label.textContent = shown === rows.length ? rows.length + " rows" : shown + " of " + rows.length + " rows";
  }

  function attachSearch(input) {
    const table = document.getElementById(input.dataset.table);
    if (!table) { return; }
    const texts = rowsOf(table).map(function (row) { return row.textContent.toLowerCase(); });
    input.addEventListener("input", function () {
      const terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      rowsOf(table).forEach(function (row, index) {
        row.hidden = !terms.every(function (term) { return texts[index].indexOf(term) !== -1; });
      });
      updateCount(table);
    });
    updateCount(table);
  }

  function sortValue(cell, numeric) {
    const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent;
    if (!numeric) { return raw; }
    return raw === "" ? null : parseFloat(raw);
  }

  function attachSort(table) {
    const headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (header, column) {
      header.tabIndex = 0;
      const sort = function () {
        const numeric = header.dataset.sortType === "number";
        const ascending = header.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const sign = ascending ? 1 : -1;
        const rows = rowsOf(table);
        rows.sort(function (a, b) {
          const x = sortValue(a.cells[column], numeric);
          const y = sortValue(b.cells[column], numeric);
          if (x === y) { return 0; }
          if (x === null) { return 1; }   /* missing values last, either direction */
          if (y === null) { return -1; }
          return (x < y ? -1 : 1) * sign;
        });
        const body = table.tBodies[0];
        rows.forEach(function (row) { body.appendChild(row); });
      };
      header.addEventListener("click", sort);
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }

  document.querySelectorAll("input.table-search").forEach(attachSearch);
  document.querySelectorAll("table.data-table").forEach(attachSort);
})();
