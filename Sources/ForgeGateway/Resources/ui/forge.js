// Forge Web's one script. Every page works without it; it adds live refresh of the overview
// (server-sent events from /ui/events), confirmations, copy buttons and select-all.
"use strict";
(function () {
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () {
    // Confirm before destructive actions: a form with data-confirm asks first.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
    // Copy buttons: data-copy names the element whose text is copied.
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source || !navigator.clipboard) return;
        navigator.clipboard.writeText(source.textContent).then(function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1200);
        });
      });
    });
    // Select all dead letters on the page.
    var all = document.getElementById("select-all");
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        document.querySelectorAll("input[type=checkbox][name=id]").forEach(function (box) { box.checked = all.checked; });
      });
    }
    var table = document.getElementById("queues");
    if (table && window.EventSource) live(table);
  });

  // The overview's numbers, refreshed by the gateway every 2 s; rows of new queues appear on reload.
  // EventSource retries a dropped stream by itself, but not a refused one (a 503 when the gateway
  // has its most streams open): then this reconnects, waiting longer each time.
  function live(table, delay) {
    var indicator = document.getElementById("live");
    var source = new EventSource("/ui/events" + window.location.search);
    source.addEventListener("open", function () { if (indicator) indicator.hidden = false; delay = 0; });
    source.addEventListener("error", function () {
      if (indicator) indicator.hidden = true;
      if (source.readyState === EventSource.CLOSED) {
        var wait = Math.min(60000, (delay || 2500) * 2);
        setTimeout(function () { live(table, wait); }, wait);
      }
    });
    source.addEventListener("overview", function (event) {
      var data = JSON.parse(event.data);
      data.queues.forEach(function (queue) {
        var row = table.querySelector('tr[data-queue="' + CSS.escape(queue.name) + '"]');
        if (!row) return;
        Object.keys(queue.cells).forEach(function (field) {
          var cell = row.querySelector('td[data-field="' + field + '"]');
          if (!cell) return;
          cell.textContent = queue.cells[field];
          cell.classList.toggle("zero", queue.cells[field] === "0");
        });
        var badge = row.querySelector(".badge.paused");
        if (badge) badge.hidden = !queue.paused;
      });
      var leader = document.getElementById("leader");
      if (leader && data.leader !== undefined) leader.textContent = data.leader;
      var workers = document.getElementById("worker-count");
      if (workers && data.workers !== undefined) workers.textContent = data.workers;
    });
  }
})();
