// Ranking by moving items up and down instead of choosing a number per item.
// The place dropdowns stay in the form (hidden) and are kept in step, so what is
// posted is exactly what the page without JavaScript posts. Buttons are real
// buttons (keyboard), and every move is announced in a live region (screen reader).
(function () {
  "use strict";

  function enhance(fieldset) {
    if (fieldset.dataset.enhanced) return;
    fieldset.dataset.enhanced = "1";
    const rows = Array.from(fieldset.querySelectorAll(".rank-row"));
    const items = rows.map(function (row) {
      return {
        row: row,
        select: row.querySelector("select"),
        text: row.querySelector("label").textContent.trim(),
      };
    });
    items.sort(function (a, b) {
      return Number(a.select.value) - Number(b.select.value);
    });
    const list = document.createElement("ol");
    list.className = "rank-list";
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    const hint = fieldset.querySelector(".hint");
    if (hint && fieldset.dataset.hint) hint.textContent = fieldset.dataset.hint;

    function render(focusIndex, focusDirection) {
      list.textContent = "";
      items.forEach(function (item, index) {
        item.select.value = String(index + 1);
        const li = document.createElement("li");
        li.className = "rank-item";
        const name = document.createElement("span");
        name.className = "rank-name";
        name.textContent = item.text;
        li.appendChild(name);
        [["up", -1, "↑"], ["down", 1, "↓"]].forEach(function (spec) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "rank-move";
          button.textContent = spec[2];
          button.dataset.direction = spec[0];
          const label = fieldset.dataset[spec[0] + "Label"] || spec[0];
          button.setAttribute("aria-label", label.replace("{item}", item.text));
          const target = index + spec[1];
          button.disabled = target < 0 || target >= items.length;
          button.addEventListener("click", function () {
            const moved = items.splice(index, 1)[0];
            items.splice(target, 0, moved);
            render(target, spec[0]);
            const said = fieldset.dataset.moved || "{item}: {place}";
            status.textContent = said.replace("{item}", moved.text).replace("{place}", String(target + 1));
          });
          li.appendChild(button);
        });
        list.appendChild(li);
      });
      if (focusIndex !== undefined) {
        const buttons = list.children[focusIndex].querySelectorAll("button");
        const wanted = focusDirection === "up" ? buttons[0] : buttons[1];
        (wanted.disabled ? (wanted === buttons[0] ? buttons[1] : buttons[0]) : wanted).focus();
      }
    }

    rows.forEach(function (row) {
      row.hidden = true;
    });
    render();
    fieldset.appendChild(list);
    fieldset.appendChild(status);
  }

  function enhanceAll() {
    document.querySelectorAll("fieldset.ranking-form").forEach(enhance);
  }

  enhanceAll();
  document.addEventListener("live:swapped", enhanceAll);
})();
