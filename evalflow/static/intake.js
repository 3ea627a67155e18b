/* Report intake helpers: refuse oversized files before uploading, count report characters,
   ask before irreversible clicks. Progressive enhancement only: the server checks everything again. */
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () {
      var max = parseInt(input.getAttribute("data-max-bytes"), 10);
      var tooBig = Array.prototype.some.call(input.files || [], function (f) { return f.size > max; });
      input.setCustomValidity(tooBig ? input.getAttribute("data-too-large") : "");
      if (tooBig) { input.reportValidity(); }
    });
  });
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) { return; }
    area.addEventListener("input", function () { out.textContent = String(area.value.length); });
  });
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
