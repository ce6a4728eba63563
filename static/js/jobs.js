// Live progress of the report jobs on /reports/: while a job in the list is unfinished, poll
// the status endpoint every 1.5 s and move its progress bar; when it is done, show the download link,
// when it failed, the error. Loaded from /static/ (the CSP allows no inline script).
(() => {
  "use strict";
  const table = document.querySelector("table[data-jobs-status-url]");
  if (!table) return;
  const url = table.dataset.jobsStatusUrl;
  const downloadLabel = table.dataset.downloadLabel || "Download";
  const POLL_MS = 1500;

  const liveRows = () => Array.from(table.querySelectorAll("tr[data-job][data-live]"));

  function update(job) {
    const row = Array.from(table.querySelectorAll("tr[data-job]")).find((r) => r.dataset.job === job.id);
    if (!row) return;
    const status = row.querySelector(".job-status");
    if (status) status.textContent = job.status_label;
    const bar = row.querySelector("progress");
    const percent = row.querySelector(".job-percent");
    if (bar) bar.value = job.progress;
    if (percent) percent.textContent = `${job.progress} %`;
    if (job.status !== "done" && job.status !== "failed") return;
    delete row.dataset.live;
    if (bar) bar.remove();
    if (percent) percent.remove();
    const result = row.querySelector(".job-result");
    if (!result) return;
    if (job.status === "done" && job.download_url) {
      const link = document.createElement("a");
      link.href = job.download_url;
      link.textContent = downloadLabel;
      result.replaceChildren(link);
    } else if (job.status === "failed") {
      const error = document.createElement("span");
      error.className = "tag bad";
      error.textContent = job.error || job.status_label;
      result.replaceChildren(error);
    }
  }

  async function poll() {
    const rows = liveRows();
    if (!rows.length) return;
    const ids = rows.map((r) => r.dataset.job).join(",");
    try {
      const response = await fetch(`${url}?ids=${encodeURIComponent(ids)}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const data = await response.json();
        data.jobs.forEach(update);
      }
    } catch (error) {
      // A dropped connection or a restarting server: try again at the next tick.
    }
    if (liveRows().length) window.setTimeout(poll, POLL_MS);
  }

  window.setTimeout(poll, POLL_MS);
})();
