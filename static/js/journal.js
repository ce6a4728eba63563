// The journal grid: spreadsheet-like entry from the keyboard, each change saved at once.
// A failed save keeps what the teacher typed in the cell (red) with the reason; Enter on it retries.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("journal-config").textContent);
  const table = document.getElementById("journal");
  if (!table) return;
  const status = document.getElementById("save-status");
  const csrf = (document.cookie.match(/(?:^|; )(?:__Host-)?csrftoken=([^;]+)/) || [])[1] ||
    (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value;
  const cells = config.grid.cells;
  const writable = config.writable;
  const pending = new Map(); // cell element → {op, value, comment}
  const ATT = ["н", "б", "уп", "оп"];

  const key = (td) => `${td.dataset.lesson}:${td.dataset.student}`;

  function render(td) {
    const c = cells[key(td)] || {};
    td.textContent = "";
    if (c.m) {
      const m = document.createElement("span");
      m.className = `m v${c.m}`;
      m.textContent = c.m;
      td.append(m);
      if (c.c) { td.title = c.c; m.classList.add("c"); } else { td.removeAttribute("title"); }
    }
    if (c.a) {
      const a = document.createElement("span");
      a.className = "a";
      a.textContent = c.a;
      td.append(a);
    }
  }

  const grid = [...table.tBodies[0].rows].map((tr) => [...tr.querySelectorAll("td.cell, td.cell-term")]);
  grid.flat().forEach((td) => td.classList.contains("cell") && render(td));

  function position(td) {
    for (let r = 0; r < grid.length; r++) {
      const c = grid[r].indexOf(td);
      if (c >= 0) return [r, c];
    }
    return [0, 0];
  }

  function focusAt(r, c) {
    r = Math.max(0, Math.min(grid.length - 1, r));
    if (!grid[r]) return;
    c = Math.max(0, Math.min(grid[r].length - 1, c));
    grid[r][c].focus();
  }

  function move(td, dr, dc) {
    const [r, c] = position(td);
    focusAt(r + dr, c + dc);
  }

  function showStatus() {
    const failed = [...pending.keys()].filter((td) => td.classList.contains("error"));
    status.textContent = "";
    if (failed.length) {
      const span = document.createElement("span");
      span.className = "bad";
      span.textContent = `Не сохранено клеток: ${failed.length}. `;
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "btn-small";
      retry.textContent = "Повторить";
      retry.addEventListener("click", () => failed.forEach((td) => save(td, pending.get(td))));
      status.append(span, retry);
    }
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { ok: response.ok, status: response.status, data };
  }

  function updateSummary(studentId, summary) {
    const tr = table.querySelector(`tr[data-student="${studentId}"]`);
    if (!tr || !summary) return;
    const mean = tr.querySelector("td.mean");
    const sug = tr.querySelector("td.suggested");
    if (mean) mean.textContent = summary.mean;
    if (sug) { sug.textContent = summary.result; sug.title = summary.rule; }
  }

  // Saves go one at a time, in the order they were typed: a mark and a quick Delete on the same cell
  // apply in that order, each with the version the previous one returned.
  let queue = Promise.resolve();
  function save(td, change) {
    pending.set(td, change);
    td.classList.remove("error", "conflict", "saved");
    td.classList.add("saving");
    queue = queue.then(() => send(td, change));
    return queue;
  }

  async function send(td, change) {
    const c = cells[key(td)] || {};
    // Delete clears the mark if the cell has one, else the attendance: decided now, after the saves
    // queued before it have landed, not when the key was pressed.
    if (change.op === "clear") change = c.m ? { op: "clear_mark" } : { op: "clear_attendance" };
    const isMark = change.op === "mark" || change.op === "clear_mark";
    td.classList.remove("error", "conflict", "saved");
    td.classList.add("saving");
    let result;
    try {
      result = await post(config.cellUrl, {
        lesson: Number(td.dataset.lesson), student: Number(td.dataset.student), op: change.op,
        value: change.value || "", comment: change.comment || "",
        version: isMark ? (c.mv || 0) : (c.av || 0),
      });
    } catch (e) {
      result = { ok: false, status: 0, data: null };
    }
    td.classList.remove("saving");
    if (result.ok) {
      const cell = result.data.cell;
      cells[key(td)] = { m: cell.mark, c: cell.comment, mv: cell.mark_version, a: cell.attendance, av: cell.attendance_version };
      pending.delete(td);
      render(td);
      td.classList.add("saved");
      updateSummary(cell.student_id, result.data.summary);
    } else {
      const error = (result.data && result.data.error) || {};
      const message = error.message || "Нет связи с сервером: значение не сохранено, нажмите Enter, чтобы повторить.";
      if (result.status === 409 && error.details) {
        td.classList.add("conflict");
      }
      td.classList.add("error");
      td.textContent = change.value || "∅";
      td.title = message;
      status.textContent = message;
    }
    showStatus();
  }

  function parse(text) {
    const t = text.trim();
    if (!t) return { op: "clear_mark" };
    const [first, ...rest] = t.split(/\s+/);
    if (ATT.includes(first.toLowerCase())) return { op: "attendance", value: first.toLowerCase() };
    return { op: "mark", value: first, comment: rest.join(" ") };
  }

  function openEditor(td, initial) {
    if (td.querySelector("input")) return;
    const input = document.createElement("input");
    input.type = "text";
    input.value = initial;
    input.setAttribute("aria-label", "Отметка");
    td.textContent = "";
    td.append(input);
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    let done = false;
    const finish = (commit, dr, dc) => {
      if (done) return;
      done = true;
      const text = input.value;
      input.remove();
      if (td.classList.contains("cell-term")) {
        if (commit && text.trim()) saveTermMark(td, text.trim()); else td.textContent = td.dataset.display || td.textContent;
      } else if (commit) {
        save(td, parse(text));
      } else {
        render(td);
      }
      if (dr || dc) move(td, dr, dc); else td.focus();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); finish(true, 1, 0); }
      else if (e.key === "Tab") { e.preventDefault(); finish(true, 0, e.shiftKey ? -1 : 1); }
      else if (e.key === "Escape") { e.preventDefault(); finish(false, 0, 0); }
      else if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); finish(true, e.key === "ArrowDown" ? 1 : -1, 0); }
      e.stopPropagation();
    });
    input.addEventListener("blur", () => finish(true, 0, 0));
  }

  async function saveTermMark(td, value, reason) {
    td.classList.add("saving");
    const result = await post(config.termMarkUrl, {
      student: Number(td.dataset.student), term: config.termId, value, reason: reason || "",
      version: Number(td.dataset.version || 0),
    });
    td.classList.remove("saving");
    if (result.ok) {
      td.textContent = result.data.term_mark;
      td.dataset.version = result.data.version;
      td.classList.remove("error");
      td.classList.add("saved");
      return;
    }
    const error = (result.data && result.data.error) || {};
    if (error.code === "reason_required") {
      const why = window.prompt(error.message);
      if (why && why.trim()) return saveTermMark(td, value, why.trim());
    }
    td.classList.add("error");
    td.title = error.message || "Не сохранено";
    status.textContent = td.title;
  }

  table.addEventListener("keydown", (e) => {
    const td = e.target.closest("td.cell, td.cell-term");
    if (!td) return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[e.key]) { e.preventDefault(); move(td, ...moves[e.key]); return; }
    if (e.key === "Tab") { e.preventDefault(); move(td, 0, e.shiftKey ? -1 : 1); return; }
    if (!writable) return;
    if (e.key === "Enter") {
      e.preventDefault();
      if (pending.has(td) && td.classList.contains("error")) { save(td, pending.get(td)); return; }
      move(td, 1, 0);
      return;
    }
    if (td.classList.contains("cell-term")) {
      if (e.key.length === 1 && !e.ctrlKey && !e.metaKey) { e.preventDefault(); openEditor(td, e.key); }
      return;
    }
    if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      save(td, { op: "clear" });
      return;
    }
    if (e.key === "F2") { e.preventDefault(); const c = cells[key(td)] || {}; openEditor(td, [c.m, c.c].filter(Boolean).join(" ")); return; }
    if (config.scale === "five_point" && /^[1-5]$/.test(e.key)) {
      e.preventDefault();
      save(td, { op: "mark", value: e.key });
      move(td, 1, 0);
      return;
    }
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); openEditor(td, e.key); }
  });

  table.addEventListener("click", (e) => {
    const td = e.target.closest("td.cell, td.cell-term");
    if (td) td.focus();
    const head = e.target.closest("button.lesson-head");
    if (head && writable) {
      const dialog = document.getElementById(`lesson-${head.dataset.lesson}`);
      if (dialog) dialog.showModal();
    }
  });

  window.addEventListener("beforeunload", (e) => {
    if ([...pending.keys()].some((td) => td.classList.contains("error") || td.classList.contains("saving"))) {
      e.preventDefault();
    }
  });

  if (grid.length && grid[0].length) grid[0][0].focus();
})();
