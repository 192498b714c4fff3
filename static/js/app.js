// recordsadmin's few lines of JavaScript. The pages work without it; this adds what htmx
// cannot say by itself: a message when a request fails before the server could answer.
(function () {
  "use strict";

  function announce(text, kind) {
    var region = document.getElementById("messages");
    if (!region) return;
    var alert = document.createElement("div");
    alert.className = "alert alert--" + (kind || "error");
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    region.replaceChildren(alert);
  }

  // The messages a page was loaded with (a save, a delete) are in its live region from the
  // start, so screen readers do not read them: they are said again in a region of their own
  // once the page is in, unless the page gave one of them focus (which reads it).
  document.addEventListener("DOMContentLoaded", function () {
    var said = document.getElementById("messages-said");
    var shown = document.querySelectorAll("#messages .alert");
    if (!said || !shown.length || document.querySelector("#messages [autofocus]")) return;
    var text = Array.prototype.map.call(shown, function (alert) {
      return alert.textContent.trim();
    }).join(" ");
    setTimeout(function () { said.textContent = text; }, 300);
  });

  document.addEventListener("htmx:sendError", function () {
    announce("The dashboard could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:timeout", function () {
    announce("The dashboard took too long to answer. Try again in a moment.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      announce("You do not have permission to do that.");
    } else if (status === 413) {
      announce("What you sent is too large. Shorten the longest fields and try again.");
    } else if (status === 429) {
      announce("Too many requests. Wait a moment and try again.");
    } else {
      announce("Something went wrong (" + status + "). Try again.");
    }
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var region = document.getElementById("messages");
    if (region) region.querySelectorAll(".alert[role=alert]").forEach(function (el) { el.remove(); });
  });

  // htmx keeps history as HTML; what the user typed or ticked lives in properties, not
  // attributes, so write it into the attributes before the snapshot, or "back" would show the
  // old search text over the old results.
  // A download leaves the page where it is: once its form is sent, the page asks how it goes
  // (templates/records/_export_status.html). The form stays a plain GET: htmx would cancel a
  // submit it listened to, and the download with it.
  document.addEventListener("submit", function (event) {
    var status = event.target.querySelector("[data-follows-download]");
    if (status && window.htmx) window.htmx.trigger(status, "download-started");
  });

  // A bulk job's page redraws its progress every second; a screen reader hears only its
  // milestones (templates/records/bulk_job.html): a new one is copied to the status region.
  document.addEventListener("htmx:afterSettle", function () {
    var progress = document.querySelector("[data-milestone]");
    var region = document.getElementById("job-announce");
    if (!progress || !region) return;
    var text = progress.getAttribute("data-milestone");
    if (text && text !== region.getAttribute("data-last")) {
      region.setAttribute("data-last", text);
      region.textContent = text;
    }
  });

  document.addEventListener("htmx:beforeHistorySave", function () {
    document.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        el.toggleAttribute("checked", el.checked);
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (option) {
          option.toggleAttribute("selected", option.selected);
        });
      } else if (el.tagName === "TEXTAREA") {
        el.textContent = el.value;
      } else if (el.type !== "password" && el.type !== "file") {
        el.setAttribute("value", el.value);
      }
    });
  });

  // A history snapshot is taken when the next view is pushed, after the user already typed the
  // next question: restored, it shows the old table under the new search text. The address
  // says which question the restored table answers, so the search form is set from it.
  // The filter builder keeps its own state (data-own-state, static/js/filters.js).
  function formFromAddress() {
    formFrom(new URLSearchParams(window.location.search));
  }

  function formFrom(params) {
    var form = document.getElementById("record-search");
    if (!form) return;
    var controls = form.querySelectorAll("input, select");
    var outside = document.querySelectorAll("[form=record-search]");
    Array.from(controls).concat(Array.from(outside)).forEach(function (el) {
      if (!el.name || el.type === "submit" || el.type === "button") return;
      if (el.closest("[data-own-state]")) return;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = params.getAll(el.name).indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT") {
        var wanted = params.get(el.name);
        var match = Array.from(el.options).find(function (o) { return o.value === wanted; });
        el.value = match ? match.value : (el.options.length ? el.options[0].value : "");
      } else {
        el.value = params.get(el.name) || "";
      }
    });
  }
  document.addEventListener("htmx:historyRestore", function () {
    formFrom(new URLSearchParams(window.location.search));
  });

  // A question still out when the part of the page that asked it goes is dropped: its answer
  // would have nowhere to go (htmx looks for its out-of-band parts in the removed part).
  // With hx-sync (its own or inherited) the request is held by the element the sync names.
  function dropQuestionOf(elt) {
    var syncing = elt.closest("[hx-sync]");
    var holder = elt;
    if (syncing) {
      var name = syncing.getAttribute("hx-sync").split(":")[0].trim();
      holder = name === "this" ? syncing : document.querySelector(name);
    }
    if (holder) htmx.trigger(holder, "htmx:abort");
  }
  // A loader that a newer table replaces (records/_counts_follow.html): the new one asks the
  // new question. Never the element whose own answer is being swapped in: none of these is.
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var elt = event.target;
    if (elt.hasAttribute && elt.hasAttribute("data-replaced-drops")) dropQuestionOf(elt);
  });
  // The loaders of the counts and of the chart (data-asks-when-open) ask when their panel is
  // open: as the page loads with it open, when it is opened, and when a newer table brings new
  // loaders. Not when they come on screen: after "Apply filters" at the foot of a long panel
  // the counts beside the options stayed those of the search before.
  function askIfOpen(loader) {
    var panel = loader.parentElement && loader.parentElement.closest("details");
    if (!panel || panel.open) htmx.trigger(loader, "panel-open");
  }
  function loadersIn(root) {
    if (!root.querySelectorAll) return [];
    var found = Array.from(root.querySelectorAll("[data-asks-when-open]"));
    if (root.matches("[data-asks-when-open]")) found.push(root);
    return found;
  }
  htmx.onLoad(function (root) { loadersIn(root).forEach(askIfOpen); });
  document.addEventListener("toggle", function (event) {
    if (event.target.open) loadersIn(event.target).forEach(askIfOpen);
  }, true);  // toggle does not bubble

  // Back or Forward: the page restored replaces every part that was asking.
  function dropAllQuestions() {
    document
      .querySelectorAll("[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete]")
      .forEach(dropQuestionOf);
  }
  document.addEventListener("htmx:historyCacheHit", dropAllQuestions);
  document.addEventListener("htmx:historyCacheMiss", dropAllQuestions);

  // Escape closes the menu it is pressed in (a <details> marked data-escape-closes), and
  // focus goes back to the menu's summary, as in a menu of the system's own.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    var menu = event.target.closest && event.target.closest("details[data-escape-closes][open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
    event.preventDefault();
  });

  // A menu closes as a system's does: by a click or tap outside it, and by its Close button
  // (shown with JavaScript only: without it, Save sends the form and the page comes again).
  function closeMenu(menu, focus) {
    menu.open = false;
    if (focus) menu.querySelector("summary").focus();
  }
  function closeMenusOutside(target) {
    document.querySelectorAll("details[data-escape-closes][open]").forEach(function (open) {
      if (!open.contains(target)) closeMenu(open, false);
    });
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    var close = target.closest && target.closest("[data-close-menu]");
    var menu = close && close.closest("details[data-escape-closes][open]");
    if (menu) {
      closeMenu(menu, true);
      return;
    }
    closeMenusOutside(target);
  });
  // And when focus moves out of it (Tab past its end, "/" to the search box): left open, it
  // covered the controls below it while the person typed elsewhere.
  document.addEventListener("focusin", function (event) {
    closeMenusOutside(event.target);
  });
  htmx.onLoad(function (root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-close-menu]").forEach(function (button) {
      button.hidden = false;
    });
  });

  // A chip's link above the table drops one filter and redraws only the table; the search
  // form is set from the link's question, so that its next change does not bring it back.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-sync-form]");
    if (link) formFrom(new URL(link.href, window.location.href).searchParams);
  });

  // A chart's bar is a link that sets a filter (templates/records/_chart.html) and redraws only
  // the table: the search form takes the link's question, so that its next change keeps it.
  // As the request leaves: the chart (and the link) may be redrawn before its answer comes.
  // A bar chosen from the keyboard keeps focus: the chart is drawn again for the new question
  // (its loader asks once the table is new), and focus goes to the same bar in it.
  // While a bar's table is out, a chart answered meanwhile (drawn for the question before:
  // the overview's loader or its form asked first) is not put in: it would take the link off
  // the page, and htmx looks for the answer's out-of-band parts (the new loaders,
  // records/_counts_follow.html) in the part of the page that asked, so the counts and the
  // chart would stay those of the question before. The new table's loader asks again (should
  // the table not come, the chart stays the one before until its form asks).
  var chosenBar = null;
  var barAsking = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var link = elt && elt.closest ? elt.closest("[data-sets-filters]") : null;
    if (!link) return;
    barAsking = event.detail.xhr;
    formFrom(new URL(link.getAttribute("href"), window.location.href).searchParams);
    if (link.contains(document.activeElement)) chosenBar = link.getAttribute("data-bar");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.xhr === barAsking) barAsking = null;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (barAsking && target && target.id === "chart") event.detail.shouldSwap = false;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var chart = document.getElementById("chart");
    if (chosenBar === null || !chart || !chart.contains(event.detail.elt)) return;
    var bar = Array.prototype.find.call(chart.querySelectorAll("[data-bar]"), function (link) {
      return link.getAttribute("data-bar") === chosenBar;
    });
    chosenBar = null;
    var active = document.activeElement;
    if (bar && (!active || active === document.body)) bar.focus();
  });

  // "Clear search and filters" redraws only the table; empty the search form too, so that its
  // next change does not bring the old question back.
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-clear-filters]")) return;
    var form = document.getElementById("record-search");
    if (!form) return;
    form.querySelectorAll("input").forEach(function (input) {
      if (input.type === "checkbox" || input.type === "radio") {
        input.checked = false;
      } else if (input.type !== "hidden" && input.type !== "submit") {
        input.value = "";
      }
    });
    form.querySelectorAll("select").forEach(function (select) {
      select.selectedIndex = 0;
    });
  });

  // "/" focuses the page's search box, as in most admin tools.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName)) return;
    // A box that takes text keeps its "/"; a checkbox, a radio or a button does not type.
    var typing = target.tagName === "INPUT" &&
      !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
    if (typing) return;
    var search = document.querySelector("[data-search-box]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });
})();

// Bulk selection on the records table: "select this page" ticks the page's rows, "select all
// matching" stands for every record of the search, and the count says which. Ticks are kept
// in sessionStorage by object and search (not page, sort or page size), so they survive paging
// and sorting; the bulk form sends the ticks of the other pages as hidden ids.
(function () {
  "use strict";

  // The most ticked ids a bulk form sends (MAX_IDS, recordsadmin/records/bulk/selection.py).
  var MAX_IDS = 500;
  var IGNORED = ["page", "sort", "per_page"];

  // "bulk:/objects/<key>/?<search>": the object from the form's address, the search from the
  // query string it carries, without what only pages or orders the same records.
  function storeKey(form) {
    // The attribute: the bar's buttons are named "action", and form.action would be them.
    var path = new URL(form.getAttribute("action") || "", window.location.href).pathname
      .split("/bulk/")[0];
    var query = form.querySelector("input[name=query]");
    var params = new URLSearchParams(query ? query.value.replace(/^\?/, "") : "");
    IGNORED.forEach(function (name) { params.delete(name); });
    params.sort();
    return "bulk:" + path + "/?" + params.toString();
  }

  function load(key) {
    try {
      var ids = JSON.parse(window.sessionStorage.getItem(key) || "[]");
      return Array.isArray(ids) ? ids : [];
    } catch (error) {
      return [];
    }
  }

  function save(key, ids) {
    try {
      if (ids.length) window.sessionStorage.setItem(key, JSON.stringify(ids));
      else window.sessionStorage.removeItem(key);
    } catch (error) {
      // Storage full or refused: the ticks of this page still go with the form.
    }
  }

  function pageBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input[name=ids][form=bulk-form]"));
  }

  // The stored ticks with this page's boxes as they are now.
  function remember(form) {
    var key = storeKey(form);
    var ids = load(key);
    pageBoxes().forEach(function (box) {
      var at = ids.indexOf(box.value);
      if (box.checked && at === -1) ids.push(box.value);
      if (!box.checked && at !== -1) ids.splice(at, 1);
    });
    save(key, ids);
    return ids;
  }

  // A redrawn table (another page, another sort) ticks the boxes of the stored ids.
  function restore(form) {
    var ids = load(storeKey(form));
    pageBoxes().forEach(function (box) { box.checked = ids.indexOf(box.value) !== -1; });
  }

  function update() {
    var form = document.querySelector("[data-bulk]");
    if (!form) return;
    var boxes = pageBoxes();
    var ids = load(storeKey(form));
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    var all = form.querySelector("[data-bulk-all]");
    var page = document.querySelector("[data-bulk-page]");
    var everything = all && all.checked;
    var count = everything ? Number(form.dataset.total) : ids.length;
    var elsewhere = ids.length - ticked;
    var text = count.toLocaleString() + " selected";
    if (!everything && elsewhere > 0) {
      text += " across pages (" + elsewhere.toLocaleString() + " on other pages)";
    }
    var tooMany = !everything && count > MAX_IDS;
    if (tooMany) {
      text += ": at most " + MAX_IDS + " can be ticked; select all matching instead";
    }
    form.querySelector("[data-bulk-count]").textContent = text;
    if (page) {
      page.checked = boxes.length > 0 && ticked === boxes.length;
      page.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    form.querySelectorAll("button[name=action]").forEach(function (button) {
      button.disabled = count === 0 || tooMany;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = document.querySelector("[data-bulk]");
    var all = document.querySelector("[data-bulk-all]");
    var boxes = pageBoxes();
    if (target.matches("[data-bulk-page]")) {
      boxes.forEach(function (box) { box.checked = target.checked; });
      if (!target.checked && all) all.checked = false;
    } else if (target.matches("[data-bulk-all]")) {
      if (target.checked) boxes.forEach(function (box) { box.checked = true; });
    } else if (target.matches("input[name=ids]")) {
      if (!target.checked && all) all.checked = false;
    } else {
      return;
    }
    if (form) remember(form);
    update();
  });

  // Sent, the form carries the ticks of the other pages too ("Edit selected…" and "Delete
  // selected…" act on all of them).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-bulk]")) return;
    form.querySelectorAll("[data-bulk-carried]").forEach(function (el) { el.remove(); });
    var here = pageBoxes().map(function (box) { return box.value; });
    remember(form).forEach(function (id) {
      if (here.indexOf(id) !== -1) return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "ids";
      input.value = id;
      input.setAttribute("data-bulk-carried", "");
      form.appendChild(input);
    });
  });

  // A started job is done with its ticks (templates/records/bulk_edit.html's start form names
  // the selection it came from).
  document.addEventListener("submit", function (event) {
    var done = event.target.closest("[data-bulk-started]");
    if (done) {
      try { window.sessionStorage.removeItem(storeKey(done)); } catch (error) { /* none kept */ }
    }
  });

  function settle() {
    var form = document.querySelector("[data-bulk]");
    if (form) restore(form);
    update();
  }
  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("htmx:historyRestore", settle);
  document.addEventListener("DOMContentLoaded", settle);
})();
