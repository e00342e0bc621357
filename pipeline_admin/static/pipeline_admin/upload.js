// The upload page. Each chosen file is pre-checked at once (size, type, header: recognised
// columns or the mapping step, which holds the file back until every required column is chosen; the
// header row found, to confirm or change among the records of the first lines) and can be removed before "Upload the files", which sends each file straight
// to S3 as a presigned multipart upload (4 parts at a time, progress per file, parts retried and
// resumed after a network drop; choosing the same file again later resumes it), then the server
// checks the stored object and the page follows the file's status until it is final.
// Without this script the form posts the files to the server, which runs the same checks.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form || !window.fetch || !window.sha256 || !window.Blob || !window.XMLHttpRequest) return;
  const cfg = form.dataset;
  const input = form.querySelector("input[type=file]");
  const zone = document.getElementById("drop-zone");
  const list = document.getElementById("file-list");
  const pageNote = document.getElementById("page-note");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const maxFiles = Number(cfg.maxFiles);
  const maxBytes = Number(cfg.maxBytes);
  const PARALLEL_PARTS = 4;
  const HASH_SLICE = 4 * 1024 * 1024;
  const entries = [];
  document.body.classList.add("js");

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text) node.textContent = text;
    return node;
  }

  function sizeLabel(bytes) {
    const units = ["bytes", "KB", "MB", "GB"];
    let value = bytes, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return (unit ? value.toFixed(1) : value) + " " + units[unit];
  }

  function note(entry, text, kind) {
    entry.note.textContent = text;
    entry.note.className = "note " + (kind || "");
  }

  function badge(entry, status, label) {
    entry.status.textContent = label;
    entry.status.className = "status " + status;
    entry.row.dataset.status = status;
  }

  function post(url, data) {
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf, Accept: "application/json" } });
  }

  function live() { return entries.filter((e) => !e.removed); }

  function add(file) {
    if (live().length >= maxFiles) {
      pageNote.textContent = "At most " + maxFiles + " files can be uploaded at once; " + file.name + " was not added.";
      pageNote.className = "note error";
      return;
    }
    const entry = { file: file, selects: {}, blocked: false };
    entry.row = el("li", { class: "file" });
    entry.row.append(el("span", { class: "name" }, file.name), " ", el("span", { class: "meta" }, sizeLabel(file.size)), " ");
    entry.status = el("span", { class: "status chosen" }, "checking");
    entry.remove = el("button", { type: "button", class: "remove", "aria-label": "Remove " + file.name }, "Remove");
    entry.remove.addEventListener("click", () => removeEntry(entry));
    entry.bar = el("progress", { max: "100", value: "0", hidden: "" });
    entry.check = el("div", { class: "check" });
    entry.note = el("div", { class: "note" });
    entry.row.append(entry.status, " ", entry.remove, entry.bar, entry.check, entry.note);
    list.append(entry.row);
    entries.push(entry);
    precheck(entry);
  }

  function removeEntry(entry) {
    entry.removed = true;
    (entry.xhrs || []).forEach((xhr) => xhr.abort());
    if (entry.plan && !entry.finished) post(entry.plan.abort_url, new FormData()).catch(() => {});
    entry.row.remove();
    pageNote.textContent = "";
  }

  function block(entry, message) {
    entry.blocked = true;
    badge(entry, "rejected", "will not be uploaded");
    entry.check.textContent = message;
    entry.check.className = "check error";
  }

  function precheck(entry) {
    const file = entry.file;
    if (!/\.(csv|txt)$/i.test(file.name)) return block(entry, "Only .csv or .txt files can be uploaded.");
    if (file.size > maxBytes) return block(entry, sizeLabel(file.size) + " is over the limit of " + cfg.maxBytesLabel + ".");
    if (file.size === 0) return block(entry, "The file is empty.");
    const data = new FormData();
    data.append("sample", file.slice(0, 64 * 1024), file.name);
    data.append("size", String(file.size));
    post(cfg.inspectUrl, data)
      .then((r) => r.json())
      .then((check) => {
        if (check.problem) return block(entry, check.problem);
        badge(entry, "ready", "ready");
        entry.labels = check.labels;
        entry.found = check;
        if (check.recognised) {
          const found = Object.entries(check.mapping).map(([column, header]) => check.labels[column] + " ← " + header);
          entry.found.text = "Recognised columns: " + found.join(", ");
          entry.check.className = "check ok";
        } else {
          entry.found.text = "Header not recognised: choose the columns below (required: order id, order date, amount).";
          entry.check.className = "check warn";
        }
        entry.summary = el("span", { class: "summary" }, entry.found.text);
        entry.check.replaceChildren(entry.summary);
        if ((check.candidates || []).length > 1) headerRow(entry, check);
        if (!check.recognised) { entry.picked = check; offer(entry, check); }
      })
      .catch(() => badge(entry, "ready", "ready")); // the server checks the stored file again
  }

  function cells(record) { return record.header.join(", ").slice(0, 80); }

  // The header row the Lambda found, to confirm or change among the records of the file's first lines
  // (a summary or a title above the table): "Header: line 2 (order_id, amount, date) change", and a note
  // naming the other records that look like a header too. Picking another record offers its cells as
  // the columns; its line goes with the mapping (header_line), so the Lambda reads that record.
  function headerRow(entry, check) {
    const records = check.candidates;
    const row = el("div", { class: "header-row" });
    const shown = el("span", { class: "header-shown" }, "Header: line " + check.line + " (" + cells(check) + ")");
    const pick = el("select", { name: "header-line" });
    records.forEach((r, i) => pick.append(el("option", { value: String(i) }, "line " + r.line + ": " + cells(r))));
    pick.value = String(Math.max(0, records.findIndex((r) => r.line === check.line)));
    const wrap = el("label", { class: "header-line" }, "Header row ");
    wrap.append(pick);
    pick.addEventListener("change", () => pickHeader(entry, records[Number(pick.value)], shown));
    if (check.recognised) {
      const change = el("button", { type: "button", class: "change-header" }, "change");
      change.addEventListener("click", () => { change.replaceWith(wrap); pick.focus(); });
      row.append(shown, " ", change);
    } else row.append(shown, " ", wrap);
    entry.check.append(row);
    if ((check.others || []).length) {
      const others = check.others.map((r) => "line " + r.line + " (" + cells(r) + ")").join(", ");
      const skips = check.others.filter((r) => r.skips).map((r) => " " + r.skips).join("");
      entry.others = el("div", { class: "header-others warn" }, "Also looks like a header: " + others + ". If the orders table starts there, choose it as the header row." + skips);
      entry.check.append(entry.others);
    }
    // a record after the header that repeats it is no place where the table starts: said, not offered (B12-1)
    if (check.repeats_note) {
      entry.repeats = el("div", { class: "header-repeats" }, check.repeats_note);
      entry.check.append(entry.repeats);
    }
    entry.skips = el("div", { class: "header-skips warn", hidden: "" }, "");
    entry.check.append(entry.skips);
  }

  function pickHeader(entry, record, shown) {
    const found = entry.found;
    shown.textContent = "Header: line " + record.line + " (" + cells(record) + ")";
    entry.summary.textContent = record.line === found.line ? found.text : "Choose the columns of line " + record.line + " below.";
    if (entry.others) entry.others.hidden = record.line !== found.line; // said of the header found, not of staff's pick
    if (entry.repeats) entry.repeats.hidden = record.line !== found.line;
    entry.skips.textContent = record.line === found.line ? "" : record.skips || ""; // the rows staff's pick skips
    entry.skips.hidden = !entry.skips.textContent;
    entry.picked = record.line === found.line && found.recognised ? null : record;
    if (!entry.picked) { // back to the recognised header the Lambda finds: no mapping to send
      if (entry.box) entry.box.remove();
      entry.box = null;
      entry.selects = {};
      entry.missing = [];
      mappingState(entry);
      return;
    }
    offer(entry, record);
  }

  // The column choices for one record of the file (`found`: its header cells, what synonyms map, the
  // required columns they do not): the mapping names its cells and goes with its line, which the Lambda reads.
  function offer(entry, found) {
    if (entry.box) entry.box.remove();
    entry.missing = found.missing;
    entry.selects = {};
    entry.box = el("div", { class: "mapping" });
    Object.entries(entry.labels).forEach(([column, label]) => {
      const select = el("select", { name: "map-" + column });
      select.append(el("option", { value: "" }, "— not in this file —"));
      found.header.forEach((h) => select.append(el("option", { value: h }, h)));
      select.value = found.mapping[column] || "";
      select.addEventListener("change", () => mappingState(entry));
      const wrap = el("label", {}, label + (found.missing.includes(column) ? " *" : ""));
      wrap.append(select);
      entry.box.append(wrap);
      entry.selects[column] = select;
    });
    entry.check.append(entry.box);
    mappingState(entry);
  }

  // Required columns the Lambda did not recognise and nobody has chosen yet: such a file is not
  // sent (the Lambda would reject it for the missing column).
  function unmapped(entry) {
    return (entry.missing || []).filter((column) => !(entry.selects[column] && entry.selects[column].value));
  }

  function mappingState(entry) {
    const left = unmapped(entry);
    if (left.length) badge(entry, "needs_mapping", "choose columns");
    else badge(entry, "ready", "ready");
    return left;
  }

  function mappingOf(entry) {
    const mapping = {};
    Object.entries(entry.selects).forEach(([column, select]) => { if (select.value) mapping[column] = select.value; });
    return JSON.stringify(mapping);
  }

  async function fingerprint(entry) {
    const hasher = window.sha256.create();
    for (let offset = 0; offset < entry.file.size; offset += HASH_SLICE) {
      const buffer = await entry.file.slice(offset, offset + HASH_SLICE).arrayBuffer();
      hasher.update(new Uint8Array(buffer));
      note(entry, "Reading the file: " + Math.min(100, Math.round((100 * (offset + buffer.byteLength)) / entry.file.size)) + "%");
    }
    return hasher.hex();
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const online = () => (navigator.onLine ? Promise.resolve() : new Promise((resolve) => window.addEventListener("online", resolve, { once: true })));

  function putPart(entry, url, number, blob, loaded) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      entry.xhrs.push(xhr);
      xhr.open("PUT", url);
      xhr.upload.onprogress = (e) => { loaded[number] = e.loaded; progress(entry, loaded); };
      xhr.onload = () => (xhr.status === 200 ? resolve() : reject(new Error("HTTP " + xhr.status)));
      xhr.onerror = () => reject(new Error("network"));
      xhr.onabort = () => reject(new Error("aborted"));
      xhr.send(blob);
    });
  }

  function progress(entry, loaded) {
    const sent = Object.values(loaded).reduce((a, b) => a + b, 0);
    entry.bar.value = Math.min(100, (100 * sent) / entry.file.size);
  }

  async function urlsFor(entry, numbers) {
    const data = new FormData();
    data.append("numbers", numbers.join(","));
    const response = await post(entry.plan.parts_url, data);
    if (!response.ok) throw new Error("could not sign the parts (HTTP " + response.status + ")");
    return (await response.json()).urls;
  }

  async function sendParts(entry) {
    const plan = entry.plan;
    const loaded = {};
    plan.parts_done.forEach((n) => { loaded[n] = Math.min(plan.part_bytes, entry.file.size - (n - 1) * plan.part_bytes); });
    progress(entry, loaded);
    const todo = [];
    for (let n = 1; n <= plan.part_count; n += 1) if (!plan.parts_done.includes(n)) todo.push(n);
    const urls = {};
    let failures = 0;
    async function worker() {
      while (todo.length && !entry.removed) {
        const number = todo.shift();
        const blob = entry.file.slice((number - 1) * plan.part_bytes, number * plan.part_bytes);
        for (let attempt = 0; ; attempt += 1) {
          if (entry.removed) return;
          try {
            if (!urls[number]) Object.assign(urls, await urlsFor(entry, [number, ...todo.slice(0, 15)]));
            await putPart(entry, urls[number], number, blob, loaded);
            loaded[number] = blob.size;
            break;
          } catch (err) {
            if (entry.removed) return;
            loaded[number] = 0;
            delete urls[number]; // a link may have expired: sign it again
            failures += 1;
            if (attempt >= 20) throw new Error("part " + number + " failed " + attempt + " times");
            note(entry, "The connection dropped; resuming (part " + number + ", attempt " + (attempt + 2) + ")…", "warn");
            await online();
            await sleep(Math.min(15000, 500 * 2 ** attempt));
          }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, todo.length || 1) }, worker));
    return failures;
  }

  function show(entry, result) {
    const kinds = { stored: "ok", refused: "error", error: "error", duplicate: "warn", incomplete: "error" };
    note(entry, result.message + " ", kinds[result.outcome]);
    if (result.url) entry.note.append(el("a", { href: result.url }, result.outcome === "duplicate" ? "earlier upload" : "details"));
    // Its own line: the status notes that follow replace entry.note, and this warning must stay.
    if (result.warning) entry.row.append(el("div", { class: "note warn as-of-warning", role: "alert" }, result.warning));
    if (result.outcome === "stored") { entry.id = result.id; badge(entry, "uploaded", "uploaded"); follow(); }
    else if (result.outcome === "refused") { badge(entry, "rejected", "refused"); entry.remove.remove(); }
    else if (result.outcome === "duplicate") {
      badge(entry, "duplicate", "duplicate");
      const again = el("button", { type: "button" }, "Store it again");
      again.addEventListener("click", () => { again.remove(); upload(entry, true); });
      entry.note.append(" ", again);
    }
  }

  async function upload(entry, allowDuplicate) {
    entry.xhrs = [];
    entry.bar.hidden = false;
    badge(entry, "receiving", "uploading");
    try {
      const sha = entry.sha || (entry.sha = await fingerprint(entry));
      const data = new FormData();
      [["name", entry.file.name], ["size", String(entry.file.size)], ["sha256", sha], ["as_of", form.querySelector("[name=as_of]").value],
        ["mapping", mappingOf(entry)], ["header_line", entry.picked ? String(entry.picked.line) : ""]].forEach(([k, v]) => data.append(k, v));
      if (allowDuplicate || form.querySelector("[name=allow_duplicate]").checked) data.append("allow_duplicate", "on");
      const begun = await post(cfg.directUrl, data);
      const body = await begun.json();
      if (body.file) return show(entry, body.file);
      if (!begun.ok) throw new Error(body.error || Object.values(body.errors || {}).flat().map((e) => e.message).join(" "));
      entry.plan = body;
      note(entry, body.parts_done.length ? "Resuming: " + body.parts_done.length + " of " + body.part_count + " parts were already sent." : "Sending…");
      await sendParts(entry);
      if (entry.removed) return;
      note(entry, "Checking the stored file…");
      const completed = await post(entry.plan.complete_url, new FormData());
      const result = await completed.json();
      entry.finished = true;
      show(entry, result.file || { outcome: "error", message: entry.file.name + ": " + (result.error || "HTTP " + completed.status) });
    } catch (err) {
      if (entry.removed) return;
      badge(entry, "failed", "not stored");
      note(entry, entry.file.name + ": not stored (" + err.message + "); parts already sent are kept: choose the file again to resume.", "error");
    }
  }

  // Each stored file's status, until it is final (processed, rejected, failed …).
  let following = null;
  function follow() {
    if (following) return;
    following = setInterval(async () => {
      const open = live().filter((e) => e.id && !e.final);
      if (!open.length) { clearInterval(following); following = null; return; }
      try {
        const response = await fetch(cfg.statusUrl + "?ids=" + open.map((e) => e.id).join(","), { headers: { Accept: "application/json" } });
        const byId = {};
        (await response.json()).files.forEach((f) => { byId[f.id] = f; });
        open.forEach((entry) => {
          const f = byId[entry.id];
          if (!f) return;
          badge(entry, f.status, f.label);
          entry.final = f.final;
          if (f.final) {
            entry.remove.remove(); // nothing left to cancel
            const rows = f.rows_in !== null ? " (" + f.rows_in + " rows in, " + f.rows_out + " kept)" : "";
            note(entry, entry.file.name + ": " + f.label + rows + (f.reason ? ": " + f.reason : "") + " ", f.status.startsWith("processed") ? "ok" : "error");
            entry.note.append(el("a", { href: f.url }, "details"));
          }
        });
      } catch (err) { /* the next poll tries again */ }
    }, 2000);
  }

  input.addEventListener("change", () => { Array.from(input.files).forEach(add); input.value = ""; });
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
  zone.addEventListener("drop", (e) => Array.from(e.dataTransfer.files).forEach(add));
  input.removeAttribute("required");

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const chosen = live().filter((entry) => !entry.sent && !entry.blocked);
    chosen.forEach((entry) => {
      const left = mappingState(entry);
      if (left.length) {
        note(entry, entry.file.name + ": not uploaded: choose the file's column for " + left.map((c) => entry.labels[c]).join(", ") +
          " (required: without it the Lambda rejects the file).", "error");
      }
    });
    const pending = chosen.filter((entry) => !unmapped(entry).length);
    pending.forEach((entry) => { entry.sent = true; });
    if (!pending.length) {
      pageNote.textContent = chosen.length ? "No file is ready: choose the required columns of each file first." : "Choose or drop at least one file that passed its check.";
      pageNote.className = "note error";
      return;
    }
    pending.forEach((entry) => { entry.remove.textContent = "Cancel"; });
    for (const entry of pending) if (!entry.removed) await upload(entry, false);
  });
})();
