// The record form at keyboard speed: focus, shortcuts, carried values, a warning before
// leaving unsaved changes (templates/records/record_form.html).
(function () {
  "use strict";

  var MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

  function recordForm() {
    return document.querySelector("form[data-record-form]");
  }

  // -- focus --------------------------------------------------------------------------------
  // The server marks the field to start in (RecordForm.mark_focus): autofocus on a single
  // input does it alone, on load and after an htmx swap; a group (radios, checkboxes, a
  // textbox list) cannot carry the attribute once, so its first input is focused from here.

  function focusFirstField() {
    var field = document.querySelector("form[data-record-form] [data-focus-first]");
    if (!field || field.contains(document.activeElement)) return;
    // Only from nowhere: never take focus from where the user (or autofocus) put it.
    var active = document.activeElement;
    if (active && active !== document.body && active.id !== "main") return;
    var input = field.querySelector("input:not([type=hidden]), select, textarea");
    if (input) input.focus();
  }

  // A form that came back with errors shows the field that has focus (the first in error, or
  // the one htmx gave focus back to): htmx puts focus back in the new form without scrolling
  // (its focus-scroll is off), so after Enter or Ctrl+S far down a long form the page stayed
  // at its foot, the error out of sight.
  function showFocusedError(form) {
    var active = document.activeElement;
    if (!form.querySelector("[aria-invalid=true]") || !active || !form.contains(active)) return;
    var box = active.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) active.scrollIntoView({ block: "center" });
  }

  // -- shortcuts ----------------------------------------------------------------------------

  function showShortcuts(form) {
    form.querySelectorAll(".shortcut[hidden]").forEach(function (hint) {
      hint.hidden = false;
    });
    if (MAC) {
      form.querySelectorAll("kbd[data-mod]").forEach(function (key) {
        key.textContent = "⌘";
        key.title = "Command";
      });
    }
  }

  function press(form, value) {
    var button = form.querySelector('button[type=submit][name=_save][value="' + value + '"]');
    // click(), not requestSubmit(): htmx learns which button sent the form from its click.
    if (button && !button.disabled) button.click();
    return Boolean(button);
  }

  document.addEventListener("keydown", function (event) {
    var form = recordForm();
    if (!form || event.defaultPrevented) return;
    var mod = event.ctrlKey || (MAC && event.metaKey);
    var inForm = form.contains(event.target);
    if (mod && !event.altKey && !event.shiftKey && event.key === "Enter" && inForm) {
      // Ctrl+Enter (⌘+Enter on a Mac): save and add another; plain Save where the user may
      // not add records.
      if (press(form, "another") || press(form, "save")) event.preventDefault();
    } else if (mod && !event.altKey && !event.shiftKey && (event.key === "s" || event.key === "S")) {
      // Ctrl+S saves the record instead of the web page, anywhere on the form's page.
      event.preventDefault();
      press(form, "save");
    } else if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyK" && inForm) {
      var field = event.target.closest(".field");
      var pin = field && field.querySelector("[data-carry-pin]");
      if (pin) {
        event.preventDefault();
        toggleCarry(form, pin.dataset.carryPin);
      }
    }
  });

  // -- carried values -----------------------------------------------------------------------
  // The boxes after the buttons (name=_carry) are what is posted; each pin shows and toggles
  // its field's box.

  function carryBox(form, key) {
    return form.querySelector('input[name=_carry][value="' + CSS.escape(key) + '"]');
  }

  function syncCarry(form) {
    var kept = 0;
    form.querySelectorAll("[data-carry-pin]").forEach(function (pin) {
      var box = carryBox(form, pin.dataset.carryPin);
      var on = Boolean(box && box.checked);
      pin.setAttribute("aria-pressed", on ? "true" : "false");
      pin.hidden = !box;
      if (on) kept += 1;
    });
    var count = form.querySelector("[data-carry-count]");
    if (count) count.textContent = String(kept);
  }

  function toggleCarry(form, key) {
    var box = carryBox(form, key);
    if (!box) return;
    box.checked = !box.checked;
    syncCarry(form);
    var pin = form.querySelector('[data-carry-pin="' + CSS.escape(key) + '"]');
    var label = pin ? pin.dataset.label : key;
    say(box.checked ? label + " will be kept for the next record." : label + " will not be kept.");
  }

  // Alt+K changes nothing the screen reader would read out by itself: say what happened, in a
  // status region that exists before it is written to (or it would not be read).
  function statusRegion() {
    var region = document.getElementById("carry-status");
    if (!region) {
      region = document.createElement("p");
      region.id = "carry-status";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    return region;
  }

  function say(text) {
    statusRegion().textContent = text;
  }

  document.addEventListener("click", function (event) {
    var pin = event.target.closest("[data-carry-pin]");
    var form = recordForm();
    if (!pin || !form || !form.contains(pin)) return;
    toggleCarry(form, pin.dataset.carryPin);
  });

  document.addEventListener("change", function (event) {
    var form = recordForm();
    if (form && event.target.name === "_carry" && form.contains(event.target)) syncCarry(form);
  });

  // -- unsaved changes ----------------------------------------------------------------------
  // The form as the page showed it, to compare with when the user leaves. Choosing what to
  // carry over is not an edit of the record, so _carry is left out.

  var shown = null;
  var leaving = false;

  function snapshot(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "_carry" || name === "csrfmiddlewaretoken") return;
      pairs.push(name + "=" + (typeof value === "string" ? value : value.name));
    });
    return pairs.join("&");
  }

  function unsaved() {
    var form = recordForm();
    if (!form || leaving) return false;
    return form.hasAttribute("data-unsaved") || snapshot(form) !== shown;
  }

  window.addEventListener("beforeunload", function (event) {
    if (!unsaved()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-record-form]")) leaving = true;
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("form[data-record-form] [data-leave]")) leaving = true;
  });

  // A save that did not go through (no answer, an error status) leaves the form on the page:
  // its input is still unsaved.
  ["htmx:sendError", "htmx:responseError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function () {
      leaving = false;
    });
  });

  // An htmx request that would replace the form (none on this page today; a boosted link
  // tomorrow) asks first too; one that leaves it in place (the theme switch) does not.
  document.addEventListener("htmx:confirm", function (event) {
    var form = recordForm();
    if (!form || form.contains(event.detail.elt) || event.detail.elt.closest("[data-leave]")) return;
    var target = event.detail.target;
    if (!target || !target.contains(form)) return;
    if (!unsaved()) return;
    event.preventDefault();
    if (window.confirm("Leave this page? Your changes are not saved.")) event.detail.issueRequest(true);
  });

  // -- groups of options: one Tab stop, type to choose ----------------------------------------
  // A radio group is one Tab stop already; a group of checkboxes was one per option (five Tabs
  // past Amenities). In a group marked data-choices (templates/records/record_form.html) only
  // one option is in the Tab order (the first chosen, else the first); the arrow keys, Home and
  // End move between options and Space ticks, as in a radio group. Typing an option's name
  // chooses it, as typing does in a select: a radio is checked; a checkbox is ticked, and one
  // this same typing ticked a moment ago is unticked again when the typed text moves on to
  // another option ("g" ticked Garage, "gy" ticks Gym instead). Space unticks.

  var typed = { group: null, text: "", at: 0, ticked: null };

  function options(group) {
    return Array.prototype.slice.call(
      group.querySelectorAll("input[type=radio]:not(:disabled), input[type=checkbox]:not(:disabled)")
    );
  }

  function labelOf(input) {
    var label = input.closest("label") || document.querySelector('label[for="' + CSS.escape(input.id) + '"]');
    return (label ? label.textContent : input.value).trim().toLowerCase();
  }

  function rove(group, to) {
    options(group).forEach(function (input) {
      input.tabIndex = input === to ? 0 : -1;
    });
  }

  function setUpGroup(group) {
    var all = options(group);
    if (!all.length || all[0].type !== "checkbox") return; // radios rove by themselves
    var start = all.filter(function (input) { return input.checked; })[0] || all[0];
    rove(group, start);
  }

  function choose(group, input, tick) {
    input.focus();
    if (input.type === "checkbox") rove(group, input);
    if (tick && !input.checked) {
      input.click(); // a click: change and input fire as if the user ticked it
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    var group = input.closest && input.closest("form[data-record-form] [data-choices]");
    if (!group || event.ctrlKey || event.metaKey || event.altKey) return;
    var all = options(group);
    var at = all.indexOf(input);
    if (at < 0) return;
    if (input.type === "checkbox") {
      var next = null;
      if (event.key === "ArrowDown" || event.key === "ArrowRight") next = all[(at + 1) % all.length];
      else if (event.key === "ArrowUp" || event.key === "ArrowLeft") next = all[(at - 1 + all.length) % all.length];
      else if (event.key === "Home") next = all[0];
      else if (event.key === "End") next = all[all.length - 1];
      if (next) {
        event.preventDefault();
        choose(group, next, false);
        return;
      }
    }
    if (event.key.length !== 1 || event.key === " ") return;
    var now = Date.now();
    if (typed.group !== group || now - typed.at > 1000) typed = { group: group, text: "", at: now, ticked: null };
    typed.text += event.key.toLowerCase();
    typed.at = now;
    var match = all.filter(function (option) { return labelOf(option).indexOf(typed.text) === 0; })[0];
    if (!match) return;
    event.preventDefault();
    if (typed.ticked && typed.ticked !== match && typed.ticked.checked) typed.ticked.click();
    if (typed.ticked !== match) typed.ticked = null;
    if (choose(group, match, true) && match.type === "checkbox") typed.ticked = match;
  });

  document.addEventListener("focusin", function (event) {
    var group = event.target.closest && event.target.closest("form[data-record-form] [data-choices]");
    if (group && event.target.type === "checkbox") rove(group, event.target);
  });

  // -- dates: typed as text, a calendar for the mouse and for phones --------------------------
  // The date input is text (recordsadmin/records/fieldtypes/dates.py); a button beside it, out
  // of the Tab order, opens the browser's own date picker and writes the day it gives back.

  // A calendar drawn with lines (an emoji needs a font the machine may not have).
  function calendarIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    [
      ["rect", { x: "3", y: "4.5", width: "14", height: "12.5", rx: "2" }],
      ["path", { d: "M3 8.5h14M7 2.5v4M13 2.5v4" }],
    ].forEach(function (shape) {
      var node = document.createElementNS(ns, shape[0]);
      Object.keys(shape[1]).forEach(function (name) {
        node.setAttribute(name, shape[1][name]);
      });
      node.setAttribute("fill", "none");
      node.setAttribute("stroke", "currentColor");
      node.setAttribute("stroke-width", "1.6");
      node.setAttribute("stroke-linecap", "round");
      svg.appendChild(node);
    });
    return svg;
  }

  function addCalendar(text) {
    if (text.dataset.calendar) return;
    text.dataset.calendar = "1";
    var picker = document.createElement("input");
    picker.type = "date";
    picker.tabIndex = -1;
    picker.className = "date-picker__input";
    picker.setAttribute("aria-hidden", "true");
    var button = document.createElement("button");
    button.type = "button";
    button.tabIndex = -1;
    button.className = "date-picker";
    var label = document.querySelector('label[for="' + CSS.escape(text.id) + '"]');
    var name = label ? label.childNodes[0].textContent.trim() : "the date";
    button.setAttribute("aria-label", "Choose " + name + " from a calendar");
    button.title = "Choose from a calendar";
    button.appendChild(calendarIcon());
    text.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", picker);
    button.addEventListener("click", function () {
      picker.value = /^\d{4}-\d{2}-\d{2}$/.test(text.value.trim()) ? text.value.trim() : "";
      try {
        picker.showPicker();
      } catch (error) {
        picker.focus();
      }
    });
    picker.addEventListener("change", function () {
      if (!picker.value) return;
      text.value = picker.value;
      text.dispatchEvent(new Event("input", { bubbles: true }));
      text.focus();
    });
  }

  // -- set up, on load and after htmx swaps the form in -------------------------------------

  var current = null;

  function setUp() {
    var form = recordForm();
    if (!form || form === current) return;
    current = form;
    leaving = false;
    shown = snapshot(form);
    showShortcuts(form);
    syncCarry(form);
    if (form.querySelector("[data-carry-pin]")) statusRegion();
    form.querySelectorAll("[data-choices]").forEach(setUpGroup);
    form.querySelectorAll("input[data-date-input]").forEach(addCalendar);
    focusFirstField();
    showFocusedError(form);
  }

  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSettle", setUp);
})();
