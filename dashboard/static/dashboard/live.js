// An open dashboard follows the data version: it polls a tiny endpoint, and when the data changed
// it asks for all cards of the new version at once, keeping the complete set it shows (marked
// "updating") until every card is ready, so one page never mixes two data versions.
(function () {
  const grid = document.getElementById("cards");
  const note = document.getElementById("live-note");
  if (!grid || !note) return;
  let shown = Number(grid.dataset.version);
  // the data version of the complete set shown; none when no version had every card (filters nobody
  // computed before): the first set then replaces nothing, so no "updated with" note (review B12-5)
  let since = grid.dataset.since;
  let following = false;
  let updated = null; // {text, changedAt}

  function age(iso) {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return `${seconds} s ago`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
    return `${Math.round(seconds / 3600)} h ago`;
  }

  function showNote() {
    if (following) return;
    if (updated && updated.changedAt) note.textContent = `updated with ${updated.text} · ${age(updated.changedAt)}`;
    else if (since !== undefined) note.textContent = `data version ${shown}`;
  }

  async function follow() {
    following = true;
    grid.classList.add("updating");
    note.classList.add("updating");
    note.textContent = "updating to the newest data…";
    const params = new URLSearchParams(window.location.search);
    if (since !== undefined) params.set("since", since);
    try {
      for (;;) {
        const response = await fetch(`${grid.dataset.cardsUrl}?${params}`, { headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const body = await response.json();
        if (body.ready) {
          grid.innerHTML = body.html;
          shown = body.version;
          grid.dataset.version = String(shown);
          since = String(shown);
          updated = body.changes ? { text: body.changes.text, changedAt: body.changes.changed_at } : null;
          document.dispatchEvent(new Event("dashboard:cards-replaced"));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } finally {
      following = false;
      grid.classList.remove("updating");
      note.classList.remove("updating");
      showNote();
    }
  }

  async function poll() {
    if (following || document.hidden) return;
    try {
      const response = await fetch(grid.dataset.versionUrl, { headers: { Accept: "application/json" } });
      if (response.ok && (await response.json()).version !== shown) await follow();
    } catch (error) {
      // offline for a moment: the next poll tries again
    }
  }

  setInterval(poll, 3000);
  setInterval(showNote, 1000);
  if (grid.classList.contains("updating")) follow();
})();
