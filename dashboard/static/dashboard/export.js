// Each chart card: an accessible name on the canvas (the chart and the page's filters), a labelled
// table alternative, and a PNG download (the chart under its title and filters) named after the
// card and its filters. The filters are
// read from the URL (the dashboard keeps every filter there) with the filter form's labels.
(function () {
  const skip = new Set(["since", "page"]);

  function text(node) {
    const copy = node.cloneNode(true);
    copy.querySelectorAll(".export, .exports, button, input, select, .visually-hidden").forEach((n) => n.remove());
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  // The form's name for a GET parameter: a fieldset's legend, else the field's label.
  function label(name) {
    const field = document.querySelector(`form.filters [name="${CSS.escape(name)}"]`);
    if (!field) return name.replace(/_/g, " ");
    const legend = field.closest("fieldset")?.querySelector("legend");
    if (legend) return text(legend);
    const own = field.labels && field.labels[0];
    return (own && text(own)) || name.replace(/_/g, " ");
  }

  // [[label, [values]]] of the active filters, in URL order.
  function filters() {
    const groups = new Map();
    for (const [name, value] of new URLSearchParams(window.location.search)) {
      if (!value || skip.has(name)) continue;
      const key = label(name);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(value);
    }
    return [...groups];
  }

  function filtersText() {
    const active = filters();
    return active.length ? `filters: ${active.map(([k, v]) => `${k} ${v.join(", ")}`).join("; ")}` : "all orders, no filters";
  }

  function slug(value) {
    return value.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  function fileName(card, series) {
    const parts = [card.dataset.slug || slug(text(card.querySelector("h2"))), slug(series)];
    filters().forEach(([k, v]) => parts.push(slug(`${k} ${v.join(" ")}`)));
    return `${parts.filter(Boolean).join("_")}.png`;
  }

  // The chart as drawn under a two-line header (the card's title and the filters), on the card's
  // background, at the canvas's pixel density: the image says what it shows without the page.
  function picture(canvas, title) {
    const theme = window.ordersiteChartTheme ? window.ordersiteChartTheme() : { ink: "#1d2733", muted: "#5d6778", surface: "#fff" };
    const scale = canvas.width / (canvas.clientWidth || canvas.width);
    const px = (n) => Math.round(n * scale);
    const out = document.createElement("canvas");
    out.width = canvas.width + 2 * px(12);
    out.height = canvas.height + px(12 + 16 + 6 + 12 + 12) + px(12);
    const ctx = out.getContext("2d");
    ctx.fillStyle = theme.surface;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.textBaseline = "top";
    const line = (text, y, font, colour) => {
      ctx.font = font;
      ctx.fillStyle = colour;
      let shown = text;
      while (shown.length > 1 && ctx.measureText(shown).width > canvas.width) shown = shown.slice(0, -2) + "…";
      ctx.fillText(shown, px(12), y);
    };
    const family = getComputedStyle(document.body).fontFamily;
    line(title, px(12), `600 ${px(16)}px ${family}`, theme.ink);
    const what = filtersText();
    line(what.charAt(0).toUpperCase() + what.slice(1), px(12 + 16 + 6), `${px(12)}px ${family}`, theme.muted);
    ctx.drawImage(canvas, px(12), px(12 + 16 + 6 + 12 + 12));
    return out;
  }

  function download(canvas, name) {
    canvas.toBlob((blob) => {
      if (!blob) return;
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    }, "image/png");
  }

  const kinds = { bar: "bar chart", line: "line chart", donut: "doughnut chart" };

  function enhance(card) {
    const heading = card.querySelector("h2");
    if (!heading) return;
    const title = text(heading);
    const table = card.querySelector("details > summary");
    if (table && !table.hasAttribute("aria-label")) {
      table.setAttribute("aria-label", `${text(table)} of ${title}`);
    }
    const canvases = [...card.querySelectorAll("canvas[data-chart]")];
    canvases.forEach((canvas) => {
      if (canvas.dataset.named) return;
      canvas.dataset.named = "1";
      // A card with several charts names each after its series ("Breakdown by customer: average order value").
      const series = (canvas.dataset.series || "").split(",").filter(Boolean).map((c) => c.replace(/_/g, " ")).join(", ");
      const several = canvases.length > 1 && series;
      const name = several ? `${title}: ${series}` : title;
      canvas.setAttribute("role", "img");
      const alternative = `${table ? " Its numbers are in the table below." : ""} Arrow keys step through its values.`;
      canvas.setAttribute("aria-label", `${name}, ${kinds[canvas.dataset.chart] || "chart"}, ${filtersText()}.${alternative}`);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "export png";
      // The visible text stays inside the accessible name (WCAG 2.5.3, label in name).
      button.textContent = several ? `PNG (${series})` : "PNG";
      button.setAttribute("aria-label", `Download ${title} as ${button.textContent}`);
      button.title = "Download this chart as a PNG image";
      button.addEventListener("click", () => download(picture(canvas, name), fileName(card, several ? series : "")));
      (card.querySelector(".exports") || heading).appendChild(button);
    });
  }

  // On paper the filter form is hidden: one line says what the printed numbers are for.
  function printLine() {
    const grid = document.getElementById("cards");
    if (!grid || document.getElementById("print-filters")) return;
    const line = document.createElement("p");
    line.id = "print-filters";
    line.className = "print-only";
    line.textContent = `Orders ${filtersText()}.`;
    grid.before(line);
  }

  function enhanceAll() {
    document.querySelectorAll("section.card").forEach(enhance);
    printLine();
  }
  document.addEventListener("DOMContentLoaded", enhanceAll);
  document.addEventListener("htmx:afterSettle", enhanceAll);
  document.addEventListener("dashboard:cards-replaced", enhanceAll);
})();
