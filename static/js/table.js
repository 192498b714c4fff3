// The records table from the keyboard: rows, shortcuts, focus after a swap
// (templates/records/_records_table.html, templates/records/record_list.html).
(function () {
  "use strict";

  var TABLE = "records-table";

  function isTableSwap(event) {
    var target = event.detail && event.detail.target;
    return target && target.id === TABLE;
  }

  // -- After the table is redrawn ----------------------------------------------------------

  // htmx puts focus back on an element with the same id as the one that had it (sort links,
  // page links, the column chooser's controls have ids). When that element is gone ("Next" on
  // the last page is no link), focus would fall to the page body and the next Tab to the skip
  // link: it goes to the nearest thing instead.
  var lastId = "";
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isTableSwap(event)) return;
    var active = document.activeElement;
    var table = document.getElementById(TABLE);
    if (active && active.id && table && table.contains(active)) {
      lastId = active.id;
    } else {
      var elt = event.detail.elt;
      lastId = elt && elt.id && table && table.contains(elt) ? elt.id : "";
    }
  });

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  function refocus() {
    if (!lastId || !focusLost()) return;
    var again = document.getElementById(lastId);
    var near = lastId.indexOf("page-") === 0 ? document.querySelector(".pagination__current") : null;
    var target = again || near || document.getElementById("records-results");
    if (target) target.focus({ preventScroll: true });
  }

  // One short sentence for screen readers ("60 properties found"), not the whole table: the
  // status region is outside the redrawn part; emptied first so that the same count after a
  // new search is read again.
  function announce() {
    var table = document.getElementById(TABLE);
    var status = document.getElementById("records-status");
    if (!table || !status) return;
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = table.dataset.announce || "";
    }, 100);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!isTableSwap(event)) return;
    refocus();
    lastId = "";
    announce();
  });

  // -- Sorting by several columns ------------------------------------------------------------
  // A header's link sorts by its column alone; with Shift (a click, or Shift+Enter) the
  // column is added after the ones sorted by now, or turned the other way if it is one of them
  // (data-sort-add, recordsadmin/records/tables.py). Before htmx's own click handler (capture).

  document.addEventListener("click", function (event) {
    if (!event.shiftKey || !window.htmx) return;
    var link = event.target.closest && event.target.closest("a.sort[data-sort-add]");
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    window.htmx.ajax("GET", link.dataset.sortAdd, {
      source: link,
      target: "#" + TABLE,
      swap: "outerHTML",
    });
  }, true);

  // -- Rows --------------------------------------------------------------------------------

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#records-results tbody tr"));
  }

  function rowOf(element) {
    return element && element.closest ? element.closest("#records-results tbody tr") : null;
  }

  function goTo(row) {
    if (!row) return;
    row.focus({ preventScroll: true });
    // "nearest" honours the scroll box's scroll-padding, so the row is not under the header.
    row.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function move(from, step) {
    var list = rows();
    if (!from) return goTo(step > 0 ? list[0] : list[list.length - 1]);
    goTo(list[list.indexOf(from) + step]);
  }

  // Keys for typing text are left alone; a checkbox or link in a row still moves rows.
  function typing(element) {
    if (!element || !element.tagName) return false;
    if (element.isContentEditable || /^(TEXTAREA|SELECT)$/.test(element.tagName)) return true;
    return element.tagName === "INPUT" && !/^(checkbox|radio|button|submit)$/.test(element.type);
  }

  var STEPS = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1 };

  function onRowKey(event, row) {
    var key = event.key;
    if (key === "Enter" && event.target === row) {
      var link = row.querySelector(".record-link");
      if (link) link.click();
    } else if (key === "e" && row.dataset.edit) {
      window.location.assign(row.dataset.edit);
    } else if (key === "x") {
      var box = row.querySelector("input[type=checkbox]");
      if (box && event.target !== box) box.click();
      else return false;
    } else {
      return false;
    }
    return true;
  }

  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (typing(target) || inEditor(target)) return;
    if (event.key === "?") {
      openShortcuts();
      event.preventDefault();
      return;
    }
    var row = rowOf(target);
    var inTable = row || (target && target.id === "records-results");
    // j and k also start from nowhere in particular; the arrows keep scrolling the page there.
    var idle = target === document.body || (target && target.id === "main");
    var step = Object.prototype.hasOwnProperty.call(STEPS, event.key) ? STEPS[event.key] : 0;
    if (step && (inTable || (idle && /^[jk]$/.test(event.key)))) {
      move(row, step);
      event.preventDefault();
    } else if (row && onRowKey(event, row)) {
      event.preventDefault();
    } else if (event.key === "b" && (inTable || idle)) {
      // To the bulk bar's first action (Edit, Link, Delete selected…), past every row; while
      // none can act (nothing ticked), to "Select all … matching this search".
      var action = document.querySelector("[data-bulk] button[type=submit]:not(:disabled)") ||
        document.querySelector("[data-bulk] [data-bulk-all]");
      if (action) {
        action.focus();
        action.scrollIntoView({ block: "nearest" });
        event.preventDefault();
      }
    }
  }

  document.addEventListener("keydown", onKey);

  // "Skip to results" lands on the first row (arrows go on from there); without JavaScript it
  // is a plain link to the table's scroll box.
  document.addEventListener("click", function (event) {
    var skip = event.target.closest && event.target.closest("[data-skip-to-rows]");
    if (!skip) return;
    var first = rows()[0];
    if (!first) return;
    event.preventDefault();
    goTo(first);
  });

  // -- Editing a cell in place (views/cells.py) --------------------------------------------
  // A double-click on a cell, or Enter (or F2) on a focused cell, opens its editor; Enter saves
  // only that field, Esc puts the cell back as it was. From a row, → goes into its cells;
  // ← → move along them, ↑ ↓ to the same field of the next rows.

  var opened = []; // cells whose editor is open, with their HTML from before
  var EDITOR = "[data-cell-editor]";
  var INPUTS = "input:not([type=hidden]), select, textarea";

  function inEditor(element) {
    return Boolean(element && element.closest && element.closest(EDITOR));
  }

  function cellOf(element) {
    return element && element.closest ? element.closest("#records-results td[data-field]") : null;
  }

  function entry(cell) {
    return opened.filter(function (item) { return item.cell === cell; })[0];
  }

  function openEditor(cell) {
    var row = rowOf(cell);
    if (!cell || !row || !row.dataset.cell || entry(cell) || !window.htmx) return;
    var url = row.dataset.cell.replace("FIELD", encodeURIComponent(cell.dataset.field));
    var item = { cell: cell, html: cell.innerHTML, loading: true };
    opened.push(item);
    // Until its own answer is in, other parts of the page that settle (counts, links, saved
    // views' counts) say nothing of this editor: it is neither open nor gone yet.
    var loaded = function () {
      item.loading = false;
      settleEditors();
    };
    var request = window.htmx.ajax("GET", url, { target: cell, swap: "innerHTML" });
    if (request && request.then) request.then(loaded, loaded);
    else item.loading = false;
  }

  function closeEditor(cell, restore) {
    var item = entry(cell);
    if (!item) return;
    opened.splice(opened.indexOf(item), 1);
    if (restore) cell.innerHTML = item.html;
    cell.focus({ preventScroll: true });
  }

  // After a swap: an editor that came (back) gets focus on its input, the one with the error
  // first; a cell whose editor is gone (saved, or it could not open) is closed.
  function settleEditors() {
    opened.slice().forEach(function (item) {
      if (item.loading) return;
      var editor = item.cell.querySelector(EDITOR);
      if (!editor) {
        closeEditor(item.cell, false);
        return;
      }
      if (!inEditor(document.activeElement)) {
        // Its answer may be in before htmx has set its form up (that waits for the settle):
        // set up now, so that an Enter typed at once saves through htmx, not as a plain form.
        window.htmx.process(editor);
        var input = editor.querySelector("[aria-invalid=true]") || editor.querySelector(INPUTS);
        if (input) input.focus();
      }
    });
  }

  document.addEventListener("htmx:afterSettle", settleEditors);

  document.addEventListener("dblclick", function (event) {
    var cell = cellOf(event.target);
    if (cell && !inEditor(event.target)) openEditor(cell);
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-cell-cancel]")) {
      closeEditor(cellOf(event.target), true);
    }
  });

  function fieldCells(row) {
    return row ? Array.prototype.slice.call(row.querySelectorAll("td[data-field]")) : [];
  }

  function onCellKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (inEditor(target)) {
      var cell = cellOf(target);
      if (event.key === "Escape") {
        closeEditor(cell, true);
        event.preventDefault();
      } else if (event.key === "Enter" && target.tagName !== "TEXTAREA" && target.type !== "submit" && target.type !== "button") {
        // A select or a checkbox does not send its form on Enter by itself.
        var form = target.closest(EDITOR);
        window.htmx.process(form);
        form.requestSubmit();
        event.preventDefault();
      }
      return;
    }
    var row = rowOf(target);
    var here = cellOf(target);
    var cells = fieldCells(row);
    var next = null;
    if (target === row && event.key === "ArrowRight") {
      next = cells[0];
    } else if (here && (event.key === "Enter" || event.key === "F2")) {
      openEditor(here);
      event.preventDefault();
      return;
    } else if (here && event.key === "Escape") {
      next = row;
    } else if (here && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      var at = cells.indexOf(here) + (event.key === "ArrowRight" ? 1 : -1);
      next = at < 0 ? row : cells[at] || here;
    } else if (here && STEPS[event.key]) {
      var list = rows();
      var other = list[list.indexOf(row) + STEPS[event.key]];
      next = other && other.querySelector('td[data-field="' + here.dataset.field + '"]');
      next = next || here;
    }
    if (next) {
      // A cell is brought into view by the focusin below; a row, here.
      next.focus({ preventScroll: true });
      if (next === row) next.scrollIntoView({ block: "nearest", inline: "nearest" });
      event.preventDefault();
    }
  }

  // A cell scrolled into view, and out from under the sticky columns (the tick box and the
  // primary one, static/css/table.css), whose width scroll-padding cannot know.
  function reveal(cell) {
    cell.scrollIntoView({ block: "nearest", inline: "nearest" });
    var box = cell.closest(".table-scroll");
    var sticky = cell.parentElement && cell.parentElement.querySelector(".col-primary");
    if (!box || !sticky || sticky === cell || cell.matches(".col-select")) return;
    if (getComputedStyle(sticky).position !== "sticky") return; // a phone's cards
    var under = sticky.getBoundingClientRect().right - cell.getBoundingClientRect().left;
    if (under > 0) box.scrollLeft -= under;
  }

  // Focus reached by Tab or Shift+Tab (a header's sort link, a link or button in a cell): the
  // browser scrolls only what is hidden altogether, so a cell half out of the box, or under
  // the sticky columns, is brought into view the same way.
  document.addEventListener("focusin", function (event) {
    var box = document.getElementById("records-results");
    if (!box || event.target === box || !box.contains(event.target)) return;
    var cell = event.target.closest("td, th");
    if (cell && !cell.matches(".col-primary, .col-select")) reveal(cell);
  });

  // Before the row keys (capture), which would otherwise move whole rows.
  document.addEventListener("keydown", onCellKey, true);

  // -- Shortcuts dialog ----------------------------------------------------------------------

  // Opened from inside a menu, the dialog takes focus and the menu closes (static/js/app.js):
  // closing the dialog gives focus to the menu's summary, not to a control hidden in it.
  var shortcutsReturn = null;

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog || dialog.open) return;
    var active = document.activeElement;
    var menu = active && active.closest && active.closest("details[data-escape-closes][open]");
    shortcutsReturn = menu ? menu.querySelector("summary") : null;
    dialog.showModal();
  }

  var shortcutsDialog = document.getElementById("shortcuts");
  if (shortcutsDialog) {
    shortcutsDialog.addEventListener("close", function () {
      if (shortcutsReturn && shortcutsReturn.isConnected) shortcutsReturn.focus();
      shortcutsReturn = null;
    });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts]")) openShortcuts();
  });
  // The button needs this script; without it, it stays hidden.
  document.querySelectorAll("[data-shortcuts]").forEach(function (button) {
    button.hidden = false;
  });
})();
