// 清点: Enter in the "current shelf" box goes to the scan box (not a submit with no barcode);
// console/static/desk.js does the rest (refocus, keep what was typed meanwhile, beep on a refusal).
(function () {
  "use strict";
  // A scan into a stock-take closed meanwhile answers 409 with the panel and its message: show it.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 409) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target && e.target.id === "shelf") {
      e.preventDefault();
      var b = document.getElementById("scan");
      if (b) { b.focus(); }
    }
  });
})();
