// Draws each card's charts from the JSON that the template embedded with json_script, with money
// and counts in the page's locale (compact on the axes), and opens a small menu on a clicked
// element: "Filter to <value>" (the page narrowed to it) and "Show the N orders" (the orders list
// under the page's filters plus that segment).
(function () {
  // Series colours from the site's CSS (theme.js: the light or dark scheme), else the light set.
  const themed = window.ordersiteChartTheme && window.ordersiteChartTheme().palette;
  const palette = themed && themed.every(Boolean) ? themed : ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
  const MONEY = ["revenue", "average_order_value", "amount"];
  const VIEW_ONLY = ["grain", "group_by"]; // how the page draws, not which orders
  const locale = document.documentElement.lang || undefined;
  const grid = () => document.getElementById("cards");

  function numbers(column, compact) {
    const money = MONEY.includes(column);
    const options = { notation: compact ? "compact" : "standard", maximumFractionDigits: compact ? 1 : money ? 2 : 0 };
    if (money) Object.assign(options, { style: "currency", currency: (grid() && grid().dataset.currency) || "USD" });
    if (money && !compact) options.minimumFractionDigits = 2;
    return new Intl.NumberFormat(locale, options);
  }

  // A period's label: months as "Feb 2025", days and weeks (their Monday) as the ISO date.
  function periodLabel(iso, grain) {
    if (grain !== "month") return grain === "week" ? `week of ${iso}` : iso;
    return new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
  }

  // The row the report folds its values past the top N into (breakdown.sql's `other`: how many).
  function folded(row, columns) {
    const other = columns.indexOf("other");
    return other >= 0 && Number(row[other]) > 0;
  }

  // The page parameters that narrow to one chart element; null when it cannot be a filter.
  function narrowing(drills, row, columns, grain) {
    const value = row[0];
    if (!drills || folded(row, columns)) return null;
    if (drills === "period") {
      const day = String(value);
      if (grain === "month") return { month: day.slice(0, 7) };
      if (grain === "week") {
        const end = new Date(`${day}T00:00:00Z`);
        end.setUTCDate(end.getUTCDate() + 6);
        return { start_date: day, end_date: end.toISOString().slice(0, 10), period: "" };
      }
      return { start_date: day, end_date: day, period: "" };
    }
    if (drills === "status" || drills === "statuses") return { statuses: value === null ? "unknown" : value };
    // Orders without a customer have their own filter (a "(none)" row); no other empty value has one.
    if (value === null && drills === "customer") return { no_customer: "1", customer: "" };
    if (value === null || drills === "product") return null; // no filter for an empty value or a line column
    return { [drills]: value };
  }

  function url(base, changes, keepView) {
    const params = new URLSearchParams(window.location.search);
    if (!keepView) VIEW_ONLY.forEach((name) => params.delete(name));
    for (const [name, value] of Object.entries(changes)) {
      params.delete(name);
      if (value) params.append(name, value);
    }
    const query = params.toString();
    return query ? `${base}?${query}` : base;
  }

  function closeMenu() { document.querySelectorAll(".chart-menu").forEach((menu) => menu.remove()); }

  function openMenu(event, label, changes, count) {
    closeMenu();
    const menu = document.createElement("div");
    menu.className = "chart-menu";
    menu.setAttribute("role", "menu");
    menu.setAttribute("aria-label", `Actions for ${label}`);
    const items = [[`Filter to ${label}`, url(grid().dataset.homeUrl, changes, true), "filter"]];
    const orders = grid().dataset.ordersUrl;
    if (orders) items.push([`Show the ${numbers("orders").format(count)} orders`, url(orders, changes, false), "orders"]);
    for (const [text, href, action] of items) {
      const link = document.createElement("a");
      Object.assign(link, { href, textContent: text });
      link.setAttribute("role", "menuitem");
      link.dataset.action = action;
      menu.appendChild(link);
    }
    menu.style.left = `${event.native.pageX}px`;
    menu.style.top = `${event.native.pageY}px`;
    document.body.appendChild(menu);
    // Kept inside the screen: a menu opened near the right edge of a phone would widen the page.
    const overflow = menu.getBoundingClientRect().right - document.documentElement.clientWidth + 8;
    if (overflow > 0) menu.style.left = `${Math.max(window.scrollX + 8, event.native.pageX - overflow)}px`;
    menu.querySelector("a").focus();
  }

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof Chart === "undefined") return;
    const source = document.getElementById(canvas.dataset.source.replace(/^data-/, ""));
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const card = canvas.closest(".card");
    const grain = card && card.dataset.grain;
    const kind = canvas.dataset.chart;
    const type = { line: "line", bar: "bar", donut: "doughnut" }[kind] || "bar";
    const series = (canvas.dataset.series || "").split(",").filter(Boolean).map((c) => data.columns.indexOf(c)).filter((i) => i > 0);
    // Each row's name as its table names it ("(none)", "Other (2 customers)"): the payload's labels.
    const labels = data.rows.map((r, i) => (grain ? periodLabel(String(r[0]), grain) : data.labels[i]));
    const datasets = series.map((i, n) => ({
      label: data.columns[i].replace(/_/g, " "),
      data: data.rows.map((r) => parseFloat(r[i])),
      backgroundColor: type === "doughnut" ? palette : palette[n % palette.length],
      borderColor: palette[n % palette.length],
      yAxisID: type === "doughnut" ? undefined : n === 0 ? "y" : "y1",
      pointRadius: data.rows.length > 60 ? 0 : 3,
    }));
    const axis = (i, extra) => ({ beginAtZero: true, ticks: { callback: (v) => numbers(data.columns[i], true).format(v) }, ...extra });
    const scales = type === "doughnut" ? {} : {
      x: { ticks: { autoSkip: true, autoSkipPadding: 12, maxRotation: 0 } },
      y: axis(series[0]),
      y1: axis(series[1] ?? series[0], { position: "right", grid: { drawOnChartArea: false }, display: series.length > 1 }),
    };
    const tooltip = { callbacks: { label: (item) => `${item.dataset.label}: ${numbers(data.columns[series[item.datasetIndex]], false).format(item.raw)}` } };
    const ordersColumn = data.columns.indexOf("orders");
    const onClick = (event, elements) => {
      if (!elements.length) return;
      const row = data.rows[elements[0].index];
      const changes = narrowing(canvas.dataset.drills, row, data.columns, grain);
      if (changes) openMenu(event, labels[elements[0].index], changes, ordersColumn >= 0 ? Number(row[ordersColumn]) : 0);
    };
    new Chart(canvas, {
      type,
      data: { labels, datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales, onClick, plugins: { tooltip } },
    });
    canvas.dataset.drawn = "1";
  }

  // A chart card's table alternative is a figure too: each row whose value can be a filter gets a
  // link to the orders it counts (the same segment the chart's menu opens).
  function linkTable(canvas) {
    const card = canvas.closest(".card");
    const orders = grid() && grid().dataset.ordersUrl;
    if (!card || !orders || card.dataset.tableLinked || !canvas.dataset.drills) return;
    const source = document.getElementById(canvas.dataset.source.replace(/^data-/, ""));
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const ordersColumn = data.columns.indexOf("orders");
    const head = card.querySelector("details table thead tr");
    const rows = card.querySelectorAll("details table tbody tr");
    if (!head || rows.length !== data.rows.length) return;
    head.appendChild(Object.assign(document.createElement("th"), { textContent: "Order list" }));
    rows.forEach((tr, i) => {
      const row = data.rows[i];
      const changes = narrowing(canvas.dataset.drills, row, data.columns, card.dataset.grain);
      const cell = document.createElement("td");
      if (changes) {
        const label = card.dataset.grain ? periodLabel(String(row[0]), card.dataset.grain) : data.labels[i];
        const count = ordersColumn >= 0 ? numbers("orders").format(Number(row[ordersColumn])) : "";
        const link = Object.assign(document.createElement("a"), { href: url(orders, changes, false), textContent: count ? `Show ${count}` : "Show" });
        link.setAttribute("aria-label", `Show the orders of ${label}`);
        link.dataset.action = "orders";
        cell.appendChild(link);
      }
      tr.appendChild(cell);
    });
    card.dataset.tableLinked = "1";
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
    document.querySelectorAll("canvas[data-chart][data-drills]").forEach(linkTable);
  }
  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
  document.addEventListener("dashboard:cards-replaced", drawAll);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeMenu(); });
  document.addEventListener("click", (event) => { if (!event.target.closest(".chart-menu, canvas")) closeMenu(); });
})();
