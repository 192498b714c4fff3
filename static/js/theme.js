// The topbar's theme buttons (templates/base.html): the page takes the chosen theme at once,
// while htmx asks the server to remember it (recordsadmin/accounts/views.py, theme_choose).
// Without this script the form is a plain POST and the page comes back in the new theme.
(function () {
  "use strict";

  function current() {
    return document.documentElement.getAttribute("data-theme") || "system";
  }

  function show(theme) {
    document.documentElement.setAttribute("data-theme", theme);
    document.querySelectorAll("[data-theme-switch] button[name=theme]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.value === theme));
    });
  }

  var before = null;

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!event.target.matches("[data-theme-switch]") || !button || button.name !== "theme") return;
    before = current();
    show(button.value);
  });

  // Not remembered (the server or the network failed): back to the theme the server has, and
  // app.js says what went wrong.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.target.matches || !event.target.matches("[data-theme-switch]")) return;
    if (!event.detail.successful && before) show(before);
    before = null;
  });

  // htmx's history keeps <body>, not <html>: a restored page shows the theme in use.
  document.addEventListener("htmx:historyRestore", function () {
    show(current());
  });
})();
