// The search box suggests the searchable fields as one types, for a search of one field
// (`address:oak`, recordsadmin/contract/textquery.py): an ARIA combobox over the list that
// templates/records/record_list.html draws hidden. ↓ ↑ choose a field, Enter or Tab takes it
// (the box then reads "address:"), Esc closes the list. Without this script the box is a plain
// search box and `address:oak` typed by hand works the same.
(function () {
  "use strict";

  var BOX = "q";
  var LIST = "q-fields";
  var said = "";

  // Looked up on each event: Back puts back a copy of the page that htmx kept, new elements.
  function parts() {
    var box = document.getElementById(BOX);
    var list = document.getElementById(LIST);
    if (!box || !list) return null;
    var options = Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
    return options.length ? { box: box, list: list, options: options } : null;
  }

  function enhance() {
    var p = parts();
    if (!p) return;
    p.box.setAttribute("role", "combobox");
    p.box.setAttribute("aria-autocomplete", "list");
    p.box.setAttribute("aria-controls", p.list.id);
    close(p);
  }

  // What may still become a field's key: the text so far, with no colon or space in it.
  function typed(box) {
    var value = box.value.replace(/^\s+/, "");
    return /^[^\s:]*$/.test(value) ? value.toLowerCase() : null;
  }

  function starts(text, prefix) {
    return text.toLowerCase().indexOf(prefix) === 0;
  }

  function shown(p) {
    return p.options.filter(function (option) { return !option.hidden; });
  }

  function active(p) {
    return p.options.filter(function (o) { return o.getAttribute("aria-selected") === "true"; })[0];
  }

  function say(text) {
    var status = document.getElementById("q-fields-status");
    if (!status || text === said) return;
    said = text;
    status.textContent = text;
  }

  function choose(p, option) {
    p.options.forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      p.box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      p.box.removeAttribute("aria-activedescendant");
    }
  }

  function close(p) {
    p.list.hidden = true;
    p.box.setAttribute("aria-expanded", "false");
    choose(p, null);
    said = "";
  }

  // `all`: every field when nothing is typed yet (↓ in an empty box).
  function open(p, all) {
    var prefix = typed(p.box);
    if (prefix === null || (!prefix && !all)) return close(p);
    var matching = p.options.filter(function (option) {
      return starts(option.dataset.key, prefix) || starts(option.dataset.name, prefix);
    });
    if (!matching.length) return close(p);
    var current = active(p);
    p.options.forEach(function (option) {
      option.hidden = matching.indexOf(option) < 0;
    });
    if (current && current.hidden) choose(p, null);
    p.list.hidden = false;
    p.box.setAttribute("aria-expanded", "true");
    var n = matching.length;
    say(n + (n === 1 ? " field" : " fields") + " to search in: arrow keys to choose");
  }

  function take(p, option) {
    p.box.value = option.dataset.key + ":";
    close(p);
    p.box.focus();
    p.box.setSelectionRange(p.box.value.length, p.box.value.length);
    say("Searching " + option.dataset.name + " only");
  }

  function onBox(event) {
    return event.target && event.target.id === BOX ? parts() : null;
  }

  document.addEventListener("input", function (event) {
    var p = onBox(event);
    if (p) open(p, false);
  });

  document.addEventListener("keydown", function (event) {
    var p = onBox(event);
    if (!p || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    var key = event.key;
    var current = active(p);
    if (key === "ArrowDown" || key === "ArrowUp") {
      if (p.list.hidden) open(p, true);
      if (p.list.hidden) return;
      var visible = shown(p);
      var at = visible.indexOf(current);
      var next = key === "ArrowDown" ? at + 1 : (at < 0 ? visible.length : at) - 1;
      choose(p, visible[(next + visible.length) % visible.length]);
      event.preventDefault();
    } else if ((key === "Enter" || key === "Tab") && !p.list.hidden && current) {
      // Before the form's own Enter (htmx sends the search): the field is taken instead.
      take(p, current);
      event.preventDefault();
    } else if (key === "Escape" && !p.list.hidden) {
      // Only the list closes: the browser would also empty a search box on Esc.
      close(p);
      event.preventDefault();
      event.stopPropagation();
    }
  });

  document.addEventListener("focusout", function (event) {
    var p = onBox(event);
    if (p) close(p);
  });

  // A click on a field must not blur the box first (which would close the list under it).
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("#" + LIST)) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("#" + LIST + " [role=option]");
    var p = option && parts();
    if (p) take(p, option);
  });

  enhance();
  // The copy of the page that Back puts back may have been kept with the list open.
  document.addEventListener("htmx:historyRestore", enhance);
})();
