// The filter builder in the search form (templates/records/_filter_builder.html) while htmx
// redraws the table: each table the server sends brings the builder drawn for its question,
// out of band. The page works without this file: the builder's buttons send the form.
(function () {
  "use strict";

  var BUILDER = "filter-builder";
  var STORE = "filters:drawn";
  // Addresses whose builder is kept for the back button: more than the pages htmx keeps (10).
  var KEPT = 12;

  function here() {
    return window.location.pathname + window.location.search;
  }

  // The builder as the server drew it for each address, by address: htmx keeps a page for the
  // back button when the next question is asked, after the user already changed the builder
  // for that one; the page is given back with the builder of its own address.
  function load() {
    try {
      return JSON.parse(window.sessionStorage.getItem(STORE) || "[]");
    } catch (error) {
      return [];
    }
  }

  // The builder as it is now, its controls' values written into their attributes (what a copy
  // of the page shows).
  function keep(path, builder) {
    var copy = builder.cloneNode(true);
    var controls = builder.querySelectorAll("input, select");
    copy.querySelectorAll("input, select").forEach(function (el, at) {
      var live = controls[at];
      if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (option, n) {
          option.toggleAttribute("selected", live.options[n].selected);
        });
      } else {
        el.setAttribute("value", live.value);
      }
    });
    // Focus was placed when it came (a new row's field); back must not move it again.
    copy.querySelectorAll("[autofocus]").forEach(function (el) {
      el.removeAttribute("autofocus");
    });
    var entries = load().filter(function (entry) { return entry[0] !== path; });
    entries.push([path, copy.outerHTML]);
    try {
      window.sessionStorage.setItem(STORE, JSON.stringify(entries.slice(-KEPT)));
    } catch (error) {
      // Storage full or refused: back shows the builder as it was left.
    }
  }

  function drawnFor(path) {
    var entry = load().filter(function (item) { return item[0] === path; })[0];
    return entry ? entry[1] : null;
  }

  function keepHere() {
    var builder = document.getElementById(BUILDER);
    if (builder) keep(here(), builder);
  }

  document.addEventListener("DOMContentLoaded", keepHere);
  // Once a table is drawn for the address now in the bar, the builder shows its question: as
  // drawn again by the server, or as the user set it (and sent it) when nothing else changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "records-table") keepHere();
  });

  // The server sends the builder again only when it is made of other rows than this one
  // (views/browse.py)...
  document.addEventListener("htmx:configRequest", function (event) {
    var builder = document.getElementById(BUILDER);
    if (builder) event.detail.headers["X-Filter-Builder"] = builder.dataset.state;
  });

  // ... and one made of the same rows is not swapped in, nor any while a change of one of its
  // lists waits to be sent (below: the answer is to an older question, and a newer one comes),
  // so that what the user is typing or choosing stays. One swapped in gives focus back to the
  // control that had it.
  var focusedId = "";
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== BUILDER) return;
    var incoming = event.detail.fragment.querySelector("#" + BUILDER);
    if (pending || (incoming && incoming.dataset.state === target.dataset.state)) {
      event.detail.shouldSwap = false;
      return;
    }
    var active = document.activeElement;
    focusedId = active && active.id && target.contains(active) ? active.id : "";
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (!focusedId || !event.detail.target || event.detail.target.id !== BUILDER) return;
    var again = document.getElementById(focusedId);
    focusedId = "";
    if (again && document.activeElement !== again) again.focus();
  });

  document.addEventListener("htmx:historyCacheHit", function (event) {
    var drawn = drawnFor(event.detail.path);
    if (!drawn) return;
    var page = document.createElement("template");
    page.innerHTML = event.detail.item.content;
    var old = page.content.getElementById(BUILDER);
    if (!old) return;
    var fresh = document.createElement("template");
    fresh.innerHTML = drawn;
    old.replaceWith(fresh.content.firstElementChild);
    event.detail.item.content = page.innerHTML;
  });

  // A list chosen by typing the start of an option's name changes at each letter ("S" picks
  // Status before "Sq" picks Square feet): from the keyboard, the form is sent when the typing
  // pauses, not at each letter (a redrawn builder would end the typing). From the mouse, at once.
  var PAUSE = 700;
  var keyAt = 0;
  var timer = null;
  var pending = false;

  // A row's field changed (at each arrow key too): its operator list follows at once, from
  // the builder's list of every field's operators, keeping the one chosen when the new field
  // has it. Without this, the list stays the previous field's until the row is drawn again,
  // and an operator chosen from it meanwhile would be another one.
  function followField(list) {
    var builder = document.getElementById(BUILDER);
    var op = document.getElementById(list.id.replace(/-field$/, "-op"));
    if (!builder || !op || op === list) return;
    var operators;
    try {
      operators = JSON.parse(builder.dataset.operators || "{}")[list.value];
    } catch (error) {
      return;
    }
    if (!operators || !operators.length) return;
    var chosen = op.value;
    op.replaceChildren.apply(op, operators.map(function (pair) {
      return new Option(pair[1], pair[0]);
    }));
    var kept = operators.some(function (pair) { return pair[0] === chosen; });
    op.value = kept ? chosen : operators[0][0];
  }

  function builderList(element) {
    return element && element.closest ? element.closest("#" + BUILDER + " select") : null;
  }

  document.addEventListener("keydown", function (event) {
    if (builderList(event.target)) keyAt = Date.now();
  }, true);

  document.addEventListener("change", function (event) {
    var list = builderList(event.target);
    if (!list) return;
    if (/-field$/.test(list.id)) followField(list);
    if (Date.now() - keyAt > 250) return;
    event.stopPropagation();
    window.clearTimeout(timer);
    pending = true;
    timer = window.setTimeout(function () {
      pending = false;
      var builder = document.getElementById(BUILDER);
      if (builder) builder.dispatchEvent(new Event("change", { bubbles: true }));
    }, PAUSE);
  }, true);
})();
