// ocop-scoring: the running totals of a member's sheet while options are picked (progressive
// enhancement: without JavaScript the server recomputes them on every save). No inline scripts:
// the Content-Security-Policy refuses them.
(function () {
  "use strict";
  function recompute(form) {
    var sums = {};
    var total = 0;
    form.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
      var points = parseInt(input.value, 10);
      if (isNaN(points)) { return; }
      var part = input.getAttribute("data-part");
      sums[part] = (sums[part] || 0) + points;
      total += points;
    });
    form.querySelectorAll("[data-part-sum]").forEach(function (el) {
      el.textContent = String(sums[el.getAttribute("data-part-sum")] || 0);
    });
    form.querySelectorAll("[data-total]").forEach(function (el) { el.textContent = String(total); });
  }
  function init() {
    document.querySelectorAll("form.sheet").forEach(function (form) {
      form.addEventListener("change", function () { recompute(form); });
      recompute(form);
    });
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
