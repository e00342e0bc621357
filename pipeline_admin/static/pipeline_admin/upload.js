// The upload page: drag & drop, one XHR per file with its own progress bar, and a column
// mapping for files whose header the Lambda would not recognise. Without this script the
// form still posts every file at once and the server does the same checks.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  const input = form.querySelector("input[type=file]");
  const zone = document.getElementById("drop-zone");
  const list = document.getElementById("file-list");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const entries = [];

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text) node.textContent = text;
    return node;
  }

  function note(entry, text, kind) {
    entry.note.textContent = text;
    entry.note.className = "note " + (kind || "");
  }

  function add(file) {
    const entry = { file: file, selects: {} };
    entry.row = el("li");
    entry.row.append(el("span", { class: "name" }, file.name), " ", el("span", { class: "meta" }, Math.ceil(file.size / 1024) + " KiB"));
    entry.bar = el("progress", { max: "100", value: "0" });
    entry.note = el("div", { class: "note" });
    entry.row.append(entry.bar, entry.note);
    list.append(entry.row);
    entries.push(entry);
    inspect(entry);
  }

  function post(url, data) {
    return fetch(url, { method: "POST", body: data, headers: { "X-CSRFToken": csrf, Accept: "application/json" } });
  }

  function inspect(entry) {
    const data = new FormData();
    data.append("sample", entry.file.slice(0, 64 * 1024), entry.file.name);
    post(form.dataset.inspectUrl, data)
      .then((r) => r.json())
      .then((check) => {
        if (check.problem || check.recognised) return;
        note(entry, "Header not recognised: choose the columns below (required: order id, order date, amount).", "warn");
        const box = el("div", { class: "mapping" });
        Object.entries(check.labels).forEach(([column, label]) => {
          const select = el("select", { name: "map-" + column });
          select.append(el("option", { value: "" }, "— not in this file —"));
          check.header.forEach((h) => select.append(el("option", { value: h }, h)));
          select.value = check.mapping[column] || "";
          const wrap = el("label", {}, label + (check.missing.includes(column) ? " *" : ""));
          wrap.append(select);
          box.append(wrap);
          entry.selects[column] = select;
        });
        entry.row.append(box);
      })
      .catch(() => {}); // the server checks the file again when it arrives
  }

  function mappingOf(entry) {
    const mapping = {};
    Object.entries(entry.selects).forEach(([column, select]) => { if (select.value) mapping[column] = select.value; });
    return JSON.stringify(mapping);
  }

  function send(entry, allowDuplicate) {
    return new Promise((resolve) => {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", csrf);
      data.append("files", entry.file, entry.file.name);
      data.append("as_of", form.querySelector("[name=as_of]").value);
      data.append("mapping", mappingOf(entry));
      if (allowDuplicate || form.querySelector("[name=allow_duplicate]").checked) data.append("allow_duplicate", "on");
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) entry.bar.value = (100 * e.loaded) / e.total; };
      xhr.onload = () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        const result = (body.files || [])[0];
        if (!result) {
          const errors = Object.values(body.errors || {}).flat().map((e) => e.message).join(" ");
          note(entry, entry.file.name + ": not stored (HTTP " + xhr.status + ") " + (errors || "please retry"), "error");
        } else {
          show(entry, result);
        }
        resolve();
      };
      xhr.onerror = () => { note(entry, entry.file.name + ": the connection failed; nothing was stored, please retry", "error"); resolve(); };
      xhr.send(data);
    });
  }

  function show(entry, result) {
    const kinds = { stored: "ok", refused: "error", error: "error", duplicate: "warn" };
    note(entry, result.message + " ", kinds[result.outcome]);
    if (result.url) entry.note.append(el("a", { href: result.url }, result.outcome === "duplicate" ? "earlier upload" : "details"));
    if (result.outcome === "duplicate") {
      const again = el("button", { type: "button" }, "Store it again");
      again.addEventListener("click", () => { again.remove(); entry.bar.value = 0; send(entry, true); });
      entry.note.append(" ", again);
    }
  }

  input.addEventListener("change", () => { Array.from(input.files).forEach(add); input.value = ""; });
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
  zone.addEventListener("drop", (e) => Array.from(e.dataTransfer.files).forEach(add));
  input.removeAttribute("required");

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const pending = entries.filter((entry) => !entry.sent);
    if (!pending.length) { alert("Choose or drop at least one file."); return; }
    for (const entry of pending) { entry.sent = true; await send(entry, false); }
  });
})();
