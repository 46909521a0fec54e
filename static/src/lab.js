// The lab form: show the parameters of the chosen model and the options of the chosen
// explanation, offer only explanations the model supports, and list the dataset's features.
function setup() {
  const form = document.getElementById("lab-form");
  if (!form) return;
  const catalog = JSON.parse(document.getElementById("lab-catalog").textContent);
  const initial = JSON.parse(document.getElementById("lab-initial").textContent);
  const dataset = form.querySelector("#lab-dataset");
  const model = form.querySelector("#lab-model");
  const explanation = form.querySelector("#lab-explanation");
  const instanceField = form.querySelector("#lab-instance-field");

  const toggle = (selector, attr, value) => {
    form.querySelectorAll(selector).forEach((el) => {
      const on = el.dataset[attr] === value;
      el.hidden = !on;
      el.querySelectorAll("input, select").forEach((input) => (input.disabled = !on));
    });
  };

  function fillFeatures() {
    const ds = catalog.datasets.find((d) => d.key === dataset.value);
    form.querySelectorAll("[data-feature-select]").forEach((select) => {
      const keep = select.value;
      select.querySelectorAll("option:not(:first-child)").forEach((o) => o.remove());
      (ds ? ds.features : []).forEach((f) => select.add(new Option(f.name, f.name, false, f.name === keep)));
    });
  }

  function update() {
    const task = (catalog.datasets.find((d) => d.key === dataset.value) || {}).task;
    toggle("[data-for-dataset]", "forDataset", dataset.value);
    toggle(".lab-params", "forModel", model.value);
    for (const option of explanation.options) {
      const ok = option.dataset.models.split(" ").includes(model.value) && option.dataset.tasks.split(" ").includes(task);
      option.disabled = !ok;
    }
    if (explanation.selectedOptions[0] && explanation.selectedOptions[0].disabled) {
      const first = [...explanation.options].find((o) => !o.disabled);
      if (first) explanation.value = first.value;
    }
    toggle("[data-for-explanation]", "forExplanation", explanation.value);
    const local = explanation.selectedOptions[0] && explanation.selectedOptions[0].dataset.local === "1";
    instanceField.hidden = !local;
    instanceField.querySelector("input").disabled = !local;
  }

  // Fill in a spec passed in the URL (the "try it yourself" links).
  for (const [group, values] of [["params", initial.params || {}], ["options", initial.options || {}]]) {
    for (const [name, value] of Object.entries(values)) {
      const scope = group === "params" ? `.lab-params[data-for-model="${initial.model}"]` : `.lab-options[data-for-explanation="${initial.explanation}"]`;
      const inputs = form.querySelectorAll(`${scope} [name="${group}.${name}"]`);
      if (group === "options") fillFeatures();
      if (Array.isArray(value) && inputs.length > 1) value.forEach((v, i) => inputs[i] && (inputs[i].value = v));
      else inputs.forEach((input) => {
        if (input.type === "checkbox") input.checked = !!value;
        else if (input.type !== "hidden") input.value = Array.isArray(value) ? value.join(", ") : value ?? "";
      });
    }
  }
  [dataset, model, explanation].forEach((el) => el.addEventListener("change", () => { fillFeatures(); update(); }));
  fillFeatures();
  update();
}

document.addEventListener("DOMContentLoaded", setup);

// The server answers an invalid spec with 400 and a message saying what to fix. htmx leaves
// 4xx answers unswapped, which would keep the previous plot on screen as if it were the new
// result: show the message in the result's place instead.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target && event.detail.target.id === "lab-result" && event.detail.xhr.status === 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
