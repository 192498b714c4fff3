// The record page's related records (templates/records/_related_section.html). Without this
// file the search, links and forms work as they are; it adds keys: Down from the search to its
// results, Up and Down between them, Escape to close the open panel, focus put back on the
// section's first button when a panel closes and kept in the pager when it turns a page.
(function () {
  "use strict";

  function results(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll("[data-related-result]"));
  }

  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest && event.target.closest("[data-related-picker]");
    if (!picker) return;
    if (event.key === "Escape") {
      var close = picker.querySelector("[data-related-close]");
      if (close) {
        event.preventDefault();
        close.click();
      }
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var items = results(picker);
    if (!items.length) return;
    var search = picker.querySelector("[data-related-search]");
    var at = items.indexOf(event.target);
    if (event.target === search && event.key === "ArrowDown") {
      items[0].focus();
    } else if (at >= 0 && event.key === "ArrowDown") {
      items[Math.min(at + 1, items.length - 1)].focus();
    } else if (at > 0) {
      items[at - 1].focus();
    } else if (at === 0 && search) {
      search.focus();
    } else {
      return;
    }
    event.preventDefault();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) return; // a page restored from history: no swap of ours
    // New results: the search says whether it was refused (aria-invalid).
    // (An outerHTML swap reports the element it replaced: the new one is found by its id.)
    var swapped = target.id ? document.getElementById(target.id) : null;
    if (swapped && swapped.classList.contains("related__results")) {
      var picker = swapped.closest("[data-related-picker]");
      var search = picker && picker.querySelector("[data-related-search]");
      if (!search) return;
      if (swapped.querySelector("[data-query-error]")) search.setAttribute("aria-invalid", "true");
      else search.removeAttribute("aria-invalid");
      return;
    }
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    // Another page of the section: focus stays in its pager (the link pressed is gone).
    if (trigger && trigger.closest && trigger.closest(".related__pages") && swapped) {
      var pages = swapped.querySelector(".related__pages");
      if (pages) pages.focus();
      return;
    }
    // A section redrawn by Close or Cancel: focus goes back to the button that opened the
    // panel (an item's Unlink, found again by its address), else the section's first one.
    if (trigger && trigger.hasAttribute && trigger.hasAttribute("data-related-close")) {
      var section = swapped;
      if (!section) return;
      var href = openers[section.id];
      var opener = null;
      section.querySelectorAll("a[href]").forEach(function (link) {
        if (!opener && href && link.getAttribute("href") === href) opener = link;
      });
      var button = opener || section.querySelector(".related__actions a, .related__actions button");
      if (button) button.focus();
    }
  });

  // Which button opened each section's panel (its address): focus goes back to it on close.
  var openers = {};
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var section = elt && elt.closest ? elt.closest("[data-related]") : null;
    var target = elt && elt.getAttribute ? elt.getAttribute("hx-target") || "" : "";
    if (section && /-panel$/.test(target)) openers[section.id] = elt.getAttribute("href");
  });
})();
