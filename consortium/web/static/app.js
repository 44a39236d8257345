/* Consortium's few behaviours. Everything works without this file; it only adds conveniences.
   Loaded as a static file: the Content Security Policy allows no inline script. */
(function () {
  "use strict";

  // After a form comes back with problems, or a result appears, move focus there so it is read out first.
  function focusOnLoad(root) {
    var target = root.querySelector("[data-error-summary]") || root.querySelector("[data-focus-on-load]");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }

  // "Copy" buttons next to read-only link fields.
  function copyFrom(button) {
    var id = button.getAttribute("data-copy-target");
    var input = document.getElementById(id);
    var done = document.querySelector('[data-copy-done="' + id + '"]');
    if (!input) return;
    function said(text) { if (done) done.textContent = text; }
    function fallback() {
      input.focus();
      input.select();
      try {
        said(document.execCommand("copy") ? "Copied." : "Press Ctrl+C (or Cmd+C) to copy the selected link.");
      } catch (e) {
        said("Press Ctrl+C (or Cmd+C) to copy the selected link.");
      }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { said("Copied."); }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
  });

  // Select the whole link when a read-only link field gets focus, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("copy-box__input")) event.target.select();
  });

  document.addEventListener("DOMContentLoaded", function () { focusOnLoad(document); });

  // HTMX: when a "what if" comparison arrives, move focus to its heading.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "what-if-result") {
      // Keep the member chooser in step with the comparison shown, however it was asked for (link or chooser).
      var shown = target.querySelector("[data-what-if-member]");
      var chooser = document.getElementById("without");
      if (chooser) chooser.value = shown ? shown.getAttribute("data-what-if-member") : "";
      var heading = target.querySelector("#what-if-heading");
      if (heading) heading.focus();
    }
  });
})();
