// 清点: Enter in the "current shelf" box goes to the scan box (not a submit with no barcode).
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target && e.target.id === "shelf") {
      e.preventDefault();
      var b = document.getElementById("scan");
      if (b) { b.focus(); }
    }
  });
})();
