/* The offline queue of the treasurer's month page and the booth's sale page.

   With no connection, the page's form does not post: each action (a member's contribution for the month, a
   sale) becomes a command with an id made here (crypto.randomUUID()), kept in IndexedDB, and listed under
   "waiting to send". The queue is sent to /api/v1/batch/ when the page opens, when the connection returns
   (the "online" event) and from the "send now" button. The server applies each command at most once: the
   same id sent again (the answer was lost on the way back) is "already applied", so a retry never posts
   twice. A refused command stays in the list with the server's Persian message until it is dropped.
   Without script, or online, the forms post as they always did. */
(function () {
  "use strict";
  const box = document.querySelector("[data-offline-queue]");
  if (!box || !window.idb || !window.indexedDB) return;
  const kind = box.dataset.offlineQueue; // "month" or "booth"
  const user = box.dataset.user;
  const msg = box.dataset;
  const form = document.querySelector(kind === "month" ? "[data-test=month-form]" : "[data-test=sale-form]");
  const repayForm = kind === "month" ? document.querySelector("[data-test=repay-form]") : null;
  const list = box.querySelector("[data-test=queue]");
  const count = box.querySelector("[data-test=queue-count]");
  const note = box.querySelector("[data-test=queue-note]");
  const sendNow = box.querySelector("[data-test=send-now]");
  const csrf = (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";
  const sent = new Map(); // id -> the command, for the rows sent in this visit (shown, not stored)
  let sending = false;

  const FA = "۰۱۲۳۴۵۶۷۸۹";
  const fa = (n) => String(n).replace(/[0-9]/g, (d) => FA[d]);
  // Persian and Arabic-Indic digits to Latin, separators out, the Persian decimal mark to ".".
  const latin = (s) => String(s || "").trim()
    .replace(/[۰-۹]/g, (d) => d.charCodeAt(0) - 0x06f0).replace(/[٠-٩]/g, (d) => d.charCodeAt(0) - 0x0660)
    .replace(/[٬,\s\u200c]/g, "").replace(/٫/g, ".");

  // Jalali to Gregorian (the algorithm of jalaali-js, MIT): a date typed offline is sent as ISO; the server's
  // date rules still decide whether it is allowed.
  function div(a, b) { return ~~(a / b); }
  function jalCal(jy) {
    const breaks = [-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324,
      2394, 2456, 3178];
    const gy = jy + 621;
    let leapJ = -14, jp = breaks[0], jm, jump = 0, n, i;
    for (i = 1; i < breaks.length; i += 1) {
      jm = breaks[i]; jump = jm - jp;
      if (jy < jm) break;
      leapJ = leapJ + div(jump, 33) * 8 + div(jump % 33, 4);
      jp = jm;
    }
    n = jy - jp;
    leapJ = leapJ + div(n, 33) * 8 + div((n % 33) + 3, 4);
    if (jump % 33 === 4 && jump - n === 4) leapJ += 1;
    const leapG = div(gy, 4) - div((div(gy, 100) + 1) * 3, 4) - 150;
    return { gy: gy, march: 20 + leapJ - leapG };
  }
  function g2d(gy, gm, gd) {
    let d = div((gy + div(gm - 8, 6) + 100100) * 1461, 4) + div(153 * ((gm + 9) % 12) + 2, 5) + gd - 34840408;
    return d - div(div(gy + 100100 + div(gm - 8, 6), 100) * 3, 4) + 752;
  }
  function d2g(jdn) {
    let j = 4 * jdn + 139361631;
    j = j + div(div(4 * jdn + 183187720, 146097) * 3, 4) * 4 - 3908;
    const i = div(j % 1461, 4) * 5 + 308;
    const gd = div(i % 153, 5) + 1, gm = (div(i, 153) % 12) + 1;
    return [div(j, 1461) - 100100 + div(8 - gm, 6), gm, gd];
  }
  function jalaliToIso(text) {
    const m = latin(text).match(/^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/);
    if (!m) return null;
    const jy = +m[1], jm = +m[2], jd = +m[3];
    if (jm < 1 || jm > 12 || jd < 1 || jd > (jm <= 6 ? 31 : 30)) return null;
    const r = jalCal(jy);
    const jdn = g2d(r.gy, 3, r.march) + (jm - 1) * 31 - div(jm, 7) * (jm - 7) + jd - 1;
    const [y, mo, d] = d2g(jdn);
    return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  }
  window.mardomJalaliToIso = jalaliToIso; // the browser tests compare it with the server's conversion

  const dbp = window.idb.openDB("mardom-offline", 1, {
    upgrade(db) { db.createObjectStore("commands", { keyPath: "id" }); },
  });
  async function mine() {
    const all = await (await dbp).getAll("commands");
    return all.filter((c) => c.user === user).sort((a, b) => a.created - b.created);
  }

  async function render() {
    const rows = await mine();
    const waiting = rows.filter((c) => c.status !== "refused").length;
    count.textContent = msg.msgWaiting.replace("{n}", fa(waiting));
    list.replaceChildren();
    for (const c of rows) {
      const li = document.createElement("li");
      li.dataset.id = c.id;
      li.dataset.status = c.status;
      li.textContent = c.label + " — ";
      const state = document.createElement("span");
      state.className = c.status === "refused" ? "errorlist" : "muted";
      state.textContent = c.status === "refused" ? `${msg.msgRefused} ${c.detail || ""}` : msg.msgQueued;
      li.append(state);
      if (c.status === "refused") {
        const drop = document.createElement("button");
        drop.type = "button"; drop.className = "link"; drop.dataset.test = "drop";
        drop.textContent = msg.msgDrop;
        drop.addEventListener("click", async () => { await (await dbp).delete("commands", c.id); render(); });
        const fix = document.createElement("button");
        fix.type = "button"; fix.className = "link"; fix.dataset.test = "correct";
        fix.textContent = msg.msgCorrect;
        fix.addEventListener("click", () => correct(c));
        li.append(" ", fix, " ", drop);
      }
      list.append(li);
    }
    for (const [id, c] of sent) {
      const li = document.createElement("li");
      li.dataset.id = id; li.dataset.status = "sent";
      li.textContent = `${c.label} — ${msg.msgSent}`;
      list.append(li);
    }
    box.dataset.waiting = String(waiting);
    if (kind === "month") { markQueuedMembers(rows); markQueuedLoans(rows); }
  }

  // A member waiting to send, or sent in this visit, is not offered a second time on this (perhaps cached) page.
  function markQueuedMembers(rows) {
    if (!form) return;
    const done = [...rows.filter((c) => c.status !== "refused"), ...sent.values()]
      .filter((c) => c.type === "contribution.record");
    const taken = new Set(done.map((c) => `${c.payload.membership}:${c.payload.year}:${c.payload.month}`));
    const year = form.querySelector("[name=year]").value, month = form.querySelector("[name=month]").value;
    for (const input of form.querySelectorAll("input[name=members]")) {
      if (taken.has(`${input.value}:${year}:${month}`)) {
        input.checked = false; input.disabled = true; input.dataset.queued = "1";
      } else if (input.dataset.queued) { // dropped or refused: offered again
        input.disabled = false; delete input.dataset.queued;
      }
    }
  }

  // A loan waiting to send, or sent in this visit, is not offered again on this page: one repayment a loan a
  // meeting (a second one is recorded online, or on the loan's own page).
  function markQueuedLoans(rows) {
    if (!repayForm) return;
    const taken = new Set([...rows.filter((c) => c.status !== "refused"), ...sent.values()]
      .filter((c) => c.type === "repayment.record").map((c) => String(c.payload.loan)));
    for (const input of repayForm.querySelectorAll("input[name=loans]")) {
      if (taken.has(input.value)) {
        input.checked = false; input.disabled = true; input.dataset.queued = "1";
      } else if (input.dataset.queued) {
        input.disabled = false; delete input.dataset.queued;
      }
    }
  }

  // An amount as typed: Persian or Latin digits, separators, and "ریال" or "تومان" (else the display unit).
  function rials(text) {
    const perUnit = +box.dataset.rialsPerUnit || 1;
    const unit = /ریال/.test(text) ? 1 : /تومان/.test(text) ? 10 : perUnit;
    const digits = latin(text).replace(/[^0-9.]/g, "");
    return digits && Number(digits) > 0 ? Math.round(Number(digits) * unit) : null;
  }
  function asTyped(amount) {
    const perUnit = +box.dataset.rialsPerUnit || 1;
    return amount % perUnit ? `${fa(amount)} ریال` : fa(amount / perUnit);
  }
  // For the list: ۱۰٬۰۰۰ تومان (never rounded: an amount that is not whole tomans is shown in rials).
  function shown(amount) {
    const perUnit = +box.dataset.rialsPerUnit || 1;
    const [n, label] = amount % perUnit ? [amount, "ریال"] : [amount / perUnit, perUnit === 10 ? "تومان" : "ریال"];
    return `${fa(String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "٬"))}\u00a0${label}`;
  }

  // Correcting a refused item: it leaves the list and comes back into the form, to be changed and recorded again
  // (as a new command with a new id: the refused one left nothing on the server).
  async function correct(c) {
    await (await dbp).delete("commands", c.id);
    await render();
    if (c.type === "contribution.record") {
      if (!form) return;
      const input = form.querySelector(`input[name=members][value="${c.payload.membership}"]`);
      if (input) { input.checked = true; input.focus(); }
    } else if (c.type === "repayment.record") {
      if (!repayForm) return;
      const input = repayForm.querySelector(`input[name=loans][value="${c.payload.loan}"]`);
      const amount = repayForm.querySelector(`[name=amount_${c.payload.loan}]`);
      if (amount) amount.value = asTyped(c.payload.amount);
      if (input) { input.checked = true; input.focus(); }
    } else if (c.type === "sale.record") {
      if (!form) return;
      form.reset();
      c.payload.lines.forEach((line, n) => {
        const i = n + 1;
        const set = (name, value) => { const el = form.querySelector(`[name=${name}_${i}]`); if (el) el.value = value; };
        set("product", String(line.product));
        set("producer", line.producer ? String(line.producer) : "");
        set("quantity", fa(line.quantity));
        set("price", asTyped(line.unit_price));
        const more = form.querySelector(`[name=product_${i}]`);
        if (more && more.closest("details")) more.closest("details").open = true;
      });
      const method = form.querySelector(`[name=method][value="${c.payload.method}"]`);
      if (method) method.checked = true;
      form.querySelector("[name=product_1]").focus();
    }
  }

  function say(text) { note.textContent = text; note.hidden = !text; }

  // The batch's Idempotency-Key: made from its commands' ids, so the same batch resent after a lost answer
  // carries the same key (and gets the first answer back), and a batch with one more or one fewer command another.
  async function batchKey(chunk) {
    const ids = new TextEncoder().encode(chunk.map((c) => c.id).join(","));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", ids));
    return "batch-" + [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function flush() {
    if (sending || !navigator.onLine) return;
    const rows = (await mine()).filter((c) => c.status !== "refused");
    if (!rows.length) return;
    sending = true;
    box.dataset.sending = "1";
    try {
      for (let i = 0; i < rows.length; i += 500) { // the endpoint takes at most 500 commands a batch
        const chunk = rows.slice(i, i + 500);
        const response = await fetch(box.dataset.batchUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json",
            "Idempotency-Key": await batchKey(chunk) },
          body: JSON.stringify({ commands: chunk.map((c) => ({ id: c.id, type: c.type, payload: c.payload })) }),
        });
        if (!response.ok) { // signed out meanwhile, say: the server's Persian message, and everything stays
          const problem = await response.json().catch(() => ({}));
          say(problem.detail ? `${problem.detail} ${msg.msgFailed}` : msg.msgFailed);
          return;
        }
        const answer = await response.json();
        const db = await dbp;
        for (const r of answer.results) {
          const c = chunk.find((x) => x.id === r.id);
          if (!c) continue;
          if (r.status === "refused") {
            await db.put("commands", { ...c, status: "refused", detail: r.detail, field: r.field });
          } else {
            await db.delete("commands", c.id);
            sent.set(c.id, c);
          }
        }
      }
      say("");
    } catch (error) {
      say(msg.msgFailed); // the connection dropped: everything not answered stays waiting, same ids
    } finally {
      sending = false;
      delete box.dataset.sending;
      await render();
    }
  }

  async function queue(commands) {
    const db = await dbp;
    const now = Date.now();
    for (const [n, c] of commands.entries()) {
      await db.put("commands", { ...c, id: crypto.randomUUID(), user: user, status: "waiting", created: now + n });
    }
    await render();
  }

  // The date the treasurer typed, as ISO; null when left as the page gave it (the server's date decides);
  // false when it cannot be read.
  function typedDate(within) {
    const dateInput = within.querySelector("[name=paid_on]");
    const typed = dateInput && dateInput.value && dateInput.value !== dateInput.defaultValue;
    if (!typed) return null;
    return jalaliToIso(dateInput.value) || false;
  }

  function repayCommands() {
    const paidOn = typedDate(repayForm);
    if (paidOn === false) { say(msg.msgBadDate); return null; }
    const ticked = [...repayForm.querySelectorAll("input[name=loans]:checked")];
    if (!ticked.length) { say(msg.msgNothing); return null; }
    const commands = [];
    for (const input of ticked) {
      const field = repayForm.querySelector(`[name=amount_${input.value}]`);
      const amount = rials(field ? field.value : "");
      if (!amount) { say(msg.msgBadAmount); if (field) field.focus(); return null; }
      const label = (input.closest("td") || input.parentElement).textContent.trim();
      const payload = { loan: +input.value, amount: amount };
      if (paidOn) payload.paid_on = paidOn;
      commands.push({ type: "repayment.record", payload: payload, label: `${label} — ${shown(amount)}` });
    }
    return commands;
  }

  function monthCommands() {
    const year = +form.querySelector("[name=year]").value, month = +form.querySelector("[name=month]").value;
    // A date left as the page gave it is not sent: the page may have come from the cache days ago, and the
    // phone's clock may be wrong, so the server's date decides. A date the treasurer typed is sent as typed.
    const paidOn = typedDate(form);
    if (paidOn === false) { say(msg.msgBadDate); return null; }
    const ticked = [...form.querySelectorAll("input[name=members]:checked")];
    if (!ticked.length) { say(msg.msgNothing); return null; }
    return ticked.map((input) => {
      const label = (input.closest("label") || input.parentElement).textContent.trim();
      const payload = { membership: +input.value, year: year, month: month };
      if (paidOn) payload.paid_on = paidOn;
      return { type: "contribution.record", payload: payload, label: label };
    });
  }

  function boothCommands() {
    const lines = [], names = [];
    for (let i = 1; form.querySelector(`[name=product_${i}]`); i += 1) {
      const select = form.querySelector(`[name=product_${i}]`);
      if (!select.value) continue;
      const quantity = latin(form.querySelector(`[name=quantity_${i}]`).value);
      const price = rials(form.querySelector(`[name=price_${i}]`).value);
      if (!(Number(quantity) > 0) || !price) { say(msg.msgBadLine); return null; }
      const line = { product: +select.value, quantity: quantity, unit_price: price };
      const producer = form.querySelector(`[name=producer_${i}]`);
      if (producer && producer.value) line.producer = +producer.value;
      lines.push(line);
      names.push(`${select.selectedOptions[0].textContent} × ${fa(quantity)}`);
    }
    if (!lines.length) { say(msg.msgNothing); return null; }
    const method = (form.querySelector("[name=method]:checked") || {}).value || "cash";
    return [{ type: "sale.record", payload: { booth: +box.dataset.booth, method: method, lines: lines },
      label: names.join("، ") }];
  }

  if (repayForm) {
    repayForm.addEventListener("submit", async (event) => {
      if (navigator.onLine) return; // online, the form posts as it always did
      event.preventDefault();
      const commands = repayCommands();
      if (!commands) return;
      say("");
      try {
        await queue(commands);
      } catch (error) {
        say(msg.msgNotKept);
        return;
      }
      box.dataset.queued = String((+box.dataset.queued || 0) + commands.length);
    });
  }

  if (form) {
    form.addEventListener("submit", async (event) => {
      if (navigator.onLine) return; // online, the form posts as it always did
      event.preventDefault();
      const commands = kind === "month" ? monthCommands() : boothCommands();
      if (!commands) return;
      say("");
      // The sale is read off the form above and the form is emptied now, before anything is awaited: a seller
      // who starts the next sale while this one is being kept must not have her typing wiped by a late reset.
      if (kind === "booth") {
        form.reset();
        const key = form.querySelector("[name=key]");
        if (key) key.value = crypto.randomUUID().replace(/-/g, "");
      }
      try {
        await queue(commands);
      } catch (error) { // storage full or refused: say so, and put the sale back for the seller to try again
        say(msg.msgNotKept);
        if (kind === "booth") correct({ ...commands[0], status: "refused" }).catch(() => null);
        return;
      }
      box.dataset.queued = String((+box.dataset.queued || 0) + commands.length);
    });
  }

  sendNow.addEventListener("click", flush);
  window.addEventListener("online", flush);
  window.addEventListener("offline", () => say(msg.msgOffline));

  async function keepForOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) return;
    await navigator.serviceWorker.register(box.dataset.sw, { scope: "/" });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) { // the worker claims this page as it starts
      await new Promise((done) => navigator.serviceWorker.addEventListener("controllerchange", done, { once: true }));
    }
    // This page, and every file it used, into the worker's cache now: the first visit is the one that must
    // work tomorrow in the village, before the worker has seen a single request.
    const cache = await caches.open("mardom-offline-v1");
    const files = performance.getEntriesByType("resource").map((e) => e.name)
      .filter((u) => new URL(u).origin === location.origin && new URL(u).pathname.startsWith("/static/"));
    await cache.add(location.href);
    await Promise.all(files.map((u) => cache.add(u).catch(() => null)));
    box.dataset.cached = "1";
  }

  async function askPersistence() {
    const warn = box.querySelector("[data-test=not-persisted]");
    if (!navigator.storage || !navigator.storage.persist) { warn.hidden = false; return; }
    if (await navigator.storage.persisted()) return;
    if (!(await navigator.storage.persist())) warn.hidden = false; // Safari may clear it after 7 days unvisited
  }

  box.hidden = false;
  if (!navigator.onLine) say(msg.msgOffline);
  render().then(flush);
  askPersistence().catch(() => null);
  keepForOffline().catch(() => null);
})();
