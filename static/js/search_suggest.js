// The search box suggests the searchable fields as one types, for a search of one field
// (`address:oak`, recordsadmin/contract/textquery.py): an ARIA combobox over the list that
// templates/records/record_list.html draws hidden. ↓ ↑ choose a field, Enter or Tab takes it
// (the box then reads "address:"), Esc closes the list. Without this script the box is a plain
// search box and `address:oak` typed by hand works the same.
(function () {
  "use strict";

  var box = document.getElementById("q");
  var list = document.getElementById("q-fields");
  if (!box || !list) return;
  var options = Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
  if (!options.length) return;
  var status = document.getElementById("q-fields-status");
  var active = null;
  var said = "";

  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", list.id);
  box.setAttribute("aria-expanded", "false");

  // What may still become a field's key: the text so far, with no colon or space in it.
  function typed() {
    var value = box.value.replace(/^\s+/, "");
    return /^[^\s:]*$/.test(value) ? value.toLowerCase() : null;
  }

  function starts(text, prefix) {
    return text.toLowerCase().indexOf(prefix) === 0;
  }

  function shown() {
    return options.filter(function (option) { return !option.hidden; });
  }

  function say(text) {
    if (!status || text === said) return;
    said = text;
    status.textContent = text;
  }

  function choose(option) {
    active = option;
    options.forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }

  function close() {
    if (list.hidden) return;
    list.hidden = true;
    box.setAttribute("aria-expanded", "false");
    choose(null);
    said = "";
  }

  // `all`: every field when nothing is typed yet (↓ in an empty box).
  function open(all) {
    var prefix = typed();
    if (prefix === null || (!prefix && !all)) return close();
    var matching = options.filter(function (option) {
      return starts(option.dataset.key, prefix) || starts(option.dataset.name, prefix);
    });
    if (!matching.length) return close();
    options.forEach(function (option) {
      option.hidden = matching.indexOf(option) < 0;
    });
    if (active && active.hidden) choose(null);
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
    var n = matching.length;
    say(n + (n === 1 ? " field" : " fields") + " to search in: arrow keys to choose");
  }

  function take(option) {
    box.value = option.dataset.key + ":";
    close();
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
    say("Searching " + option.dataset.name + " only");
  }

  box.addEventListener("input", function () {
    open(false);
  });

  box.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    var key = event.key;
    if (key === "ArrowDown" || key === "ArrowUp") {
      if (list.hidden) open(true);
      if (list.hidden) return;
      var visible = shown();
      var at = visible.indexOf(active);
      var next = key === "ArrowDown" ? at + 1 : (at < 0 ? visible.length : at) - 1;
      choose(visible[(next + visible.length) % visible.length]);
      event.preventDefault();
    } else if ((key === "Enter" || key === "Tab") && !list.hidden && active) {
      // Before the form's own Enter (htmx sends the search): the field is taken instead.
      take(active);
      event.preventDefault();
    } else if (key === "Escape" && !list.hidden) {
      // Only the list closes: the browser would also empty a search box on Esc.
      close();
      event.preventDefault();
      event.stopPropagation();
    }
  });

  box.addEventListener("blur", close);
  // A click on a field must not blur the box first (which would close the list under it).
  list.addEventListener("mousedown", function (event) {
    event.preventDefault();
  });
  list.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[role=option]");
    if (option) take(option);
  });
  // The page htmx keeps for Back is saved with the list closed.
  document.addEventListener("htmx:beforeHistorySave", close);
})();
