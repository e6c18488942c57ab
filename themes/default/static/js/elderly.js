// Elderly mode (长辈模式): large text and strong contrast, switched by the
// button in the header and remembered in this browser. Loaded in <head>
// without `defer`, so the mode is on before the page is first painted.
// Without JavaScript the button stays hidden: the page is already readable,
// and the browser's own zoom still works (the layout reflows at 200%).
(function () {
  "use strict";
  var KEY = "zhan-elderly";
  var root = document.documentElement;

  function remembered() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }

  function remember(on) {
    try {
      if (on) { window.localStorage.setItem(KEY, "1"); } else { window.localStorage.removeItem(KEY); }
    } catch (e) { /* storage off: the mode lasts for this page only */ }
  }

  function buttons() {
    return document.querySelectorAll("[data-elderly-toggle]");
  }

  function apply(on) {
    if (on) { root.classList.add("elderly"); } else { root.classList.remove("elderly"); }
    var list = buttons();
    for (var i = 0; i < list.length; i++) { list[i].setAttribute("aria-pressed", on ? "true" : "false"); }
  }

  function wire() {
    var list = buttons();
    for (var i = 0; i < list.length; i++) {
      list[i].hidden = false;
      list[i].addEventListener("click", function () {
        var on = !root.classList.contains("elderly");
        apply(on);
        remember(on);
      });
    }
    apply(root.classList.contains("elderly"));
  }

  apply(remembered());
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
  // Another tab switched the mode: follow it.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) { apply(event.newValue === "1"); }
  });
})();
