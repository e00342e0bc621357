// The filter bar: customer suggestions (names containing what was typed, any case, from the
// data) in the <datalist>; a preset clears the typed dates and typed dates clear the preset; the
// submitted URL carries only the filters that are set.
(function () {
  const form = document.getElementById("filters");
  if (!form) return;
  const customer = form.querySelector("input[name=customer]");
  const list = document.getElementById("customer-options");
  const period = form.querySelector("select[name=period]");
  const dates = form.querySelectorAll("input[type=date]");
  let timer = null;
  let asked = "";

  async function suggest() {
    const text = customer.value.trim();
    if (!text || text === asked) return;
    asked = text;
    try {
      const response = await fetch(`${customer.dataset.suggestUrl}?q=${encodeURIComponent(text)}`, { headers: { Accept: "application/json" } });
      if (!response.ok || asked !== text) return;
      const names = (await response.json()).customers;
      list.replaceChildren(...names.map((name) => Object.assign(document.createElement("option"), { value: name })));
    } catch (error) {
      // offline for a moment: no suggestions this time
    }
  }

  customer.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 150); });
  // A preset replaces the typed dates and a month the page was narrowed to.
  period.addEventListener("change", () => {
    if (!period.value) return;
    dates.forEach((input) => { input.value = ""; });
    form.querySelectorAll("input[name=month]").forEach((input) => input.remove());
  });
  dates.forEach((input) => input.addEventListener("change", () => { if (input.value) period.value = ""; }));
  window.addEventListener("pageshow", () => form.querySelectorAll("[disabled]").forEach((field) => { field.disabled = false; }));
  form.addEventListener("submit", () => {
    form.querySelectorAll("input[name], select[name]").forEach((field) => {
      if (!field.value && field.type !== "checkbox") field.disabled = true;
    });
  });
})();
