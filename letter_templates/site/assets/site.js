/* Sorting and filtering the table of councils: an enhancement. Without script the page lists every council
   in order of name; with it, each column heading becomes a button that sorts by it (aria-sort says how),
   and the filter form (hidden until now) narrows the rows, with the count announced and in the caption.
   Rates resting on few cases keep their asterisk when sorted, and can be put last. */
(function () {
  "use strict";
  var table = document.querySelector("table[data-sortable]");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var headings = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var caption = table.caption;
  // The caption shown above the table's scrolling region (the <caption> itself is for screen readers).
  var wrapper = table.closest(".table-wrapper");
  var shownCaption = wrapper && wrapper.previousElementSibling &&
    wrapper.previousElementSibling.classList.contains("table__caption") ? wrapper.previousElementSibling : null;
  // "339 councils in England, 2020/21, in order of name": the count, the rest, and the order.
  var original = caption ? caption.textContent : "";
  var described = original.match(/^(\d+) (.*?)(, in order of .*)$/);
  var order = described ? described[3] : "";
  var shown = rows.length;
  var fewLast = document.getElementById("filter-few-last");
  var judgedFirst = document.getElementById("sort-judged");

  function describe() {
    if (!caption || !described) { return; }
    caption.textContent = (shown === rows.length ? rows.length : shown + " of " + rows.length) + " " + described[2] + order;
    if (shownCaption) { shownCaption.textContent = caption.textContent; }
  }

  function value(row, index, kind) {
    var cell = row.cells[index];
    var text = cell.getAttribute("data-value") || "";
    if (kind === "number") { return text === "" ? null : parseFloat(text); }
    return text.toLowerCase();
  }

  function sortBy(index, direction) {
    var kind = headings[index].getAttribute("data-sort");
    var last = fewLast && fewLast.checked && kind === "number";
    var judged = judgedFirst && judgedFirst.checked && headings[index].hasAttribute("data-judged");
    var sign = direction === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = value(a, index, kind), y = value(b, index, kind);
      if (last) {
        var fewA = a.cells[index].hasAttribute("data-few"), fewB = b.cells[index].hasAttribute("data-few");
        if (fewA !== fewB) { return fewA ? 1 : -1; }
      }
      if (judged) {
        // The standing against the average (2: well above ... -2: well below; none: last), then the rate.
        var rankA = a.cells[index].getAttribute("data-judged"), rankB = b.cells[index].getAttribute("data-judged");
        if (rankA !== rankB) {
          if (rankA === null) { return 1; }
          if (rankB === null) { return -1; }
          return (parseInt(rankA, 10) - parseInt(rankB, 10)) * sign;
        }
      }
      if (x === y) { return value(a, 0, "text") < value(b, 0, "text") ? -1 : 1; }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      return (x < y ? -1 : 1) * sign;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    headings.forEach(function (heading, i) {
      if (i === index) { heading.setAttribute("aria-sort", direction); } else { heading.removeAttribute("aria-sort"); }
    });
    order = ", in " + direction + " order of " + (judged ? "standing against the average, then " : "") +
      headings[index].textContent.trim().toLowerCase() + (last ? ", rates on few cases last" : "");
    describe();
  }

  headings.forEach(function (heading, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort-button";
    button.textContent = heading.textContent;
    heading.textContent = "";
    heading.appendChild(button);
    button.addEventListener("click", function () {
      var current = heading.getAttribute("aria-sort");
      var numeric = heading.getAttribute("data-sort") === "number";
      var next = current ? (current === "ascending" ? "descending" : "ascending") : (numeric ? "descending" : "ascending");
      sortBy(index, next);
    });
  });

  var form = document.getElementById("filters");
  var name = document.getElementById("filter-name");
  var group = document.getElementById("filter-group");
  var status = document.getElementById("filter-status");
  function filter() {
    var text = name.value.trim().toLowerCase(), chosen = group.value;
    shown = 0;
    rows.forEach(function (row) {
      var match = (!text || value(row, 0, "text").indexOf(text) !== -1) && (!chosen || row.getAttribute("data-group") === chosen);
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    status.textContent = shown ? "Showing " + shown + " of " + rows.length + " councils." : "No councils match.";
    describe();
  }
  if (form) {
    form.hidden = false;
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    name.addEventListener("input", filter);
    group.addEventListener("change", filter);
    [fewLast, judgedFirst].forEach(function (box) {
      box.addEventListener("change", function () {
        var sorted = headings.findIndex(function (heading) { return heading.hasAttribute("aria-sort"); });
        if (sorted >= 0) { sortBy(sorted, headings[sorted].getAttribute("aria-sort")); }
      });
    });
  }
}());
