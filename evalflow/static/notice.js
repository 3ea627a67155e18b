// The objection form: fields only a unit fills in (contact person, seal image) show when "unit" is chosen.
(function () {
  var form = document.querySelector(".objection-form");
  if (!form) return;
  function sync() {
    var chosen = form.querySelector("input[name=kind]:checked");
    var unit = chosen && chosen.value === "unit";
    form.classList.toggle("individual", !unit);
  }
  form.addEventListener("change", sync);
  sync();
})();
