// The filter builder in the search form (templates/records/_filter_builder.html) as htmx
// redraws the table: each table the server sends brings the builder drawn for its question,
// out of band. The page works without this file: the builder's buttons send the form.
(function () {
  "use strict";

  var BUILDER = "filter-builder";
  // The builder as the server drew it for the address shown: htmx keeps the page for the back
  // button when the next question is asked, after the user already changed the builder for it.
  var drawn = null;

  function remember() {
    var builder = document.getElementById(BUILDER);
    if (!builder) return;
    // Focus was placed on load (a new row's field); back and forward must not move it again.
    builder.querySelectorAll("[autofocus]").forEach(function (el) {
      el.removeAttribute("autofocus");
    });
    drawn = builder.outerHTML;
  }

  // The same builder again (the question changed elsewhere: the search text, a page) is not
  // swapped in: what the user is typing in it stays.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== BUILDER) return;
    var incoming = event.detail.fragment.querySelector("#" + BUILDER);
    if (incoming && incoming.dataset.state === target.dataset.state) {
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === BUILDER) {
      window.setTimeout(remember, 0); // after htmx has focused its autofocus
    }
  });

  document.addEventListener("htmx:beforeHistorySave", function () {
    var builder = document.getElementById(BUILDER);
    if (!builder || drawn === null) return;
    var template = document.createElement("template");
    template.innerHTML = drawn;
    builder.replaceWith(template.content.firstElementChild);
  });

  document.addEventListener("htmx:historyRestore", remember);
  document.addEventListener("DOMContentLoaded", function () {
    // After the browser placed focus by autofocus.
    window.setTimeout(remember, 0);
  });
})();
