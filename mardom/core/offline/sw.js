/* Mardom's service worker: the treasurer's month page and the booth's sale page open with no connection.
   Served at /sw.js (a view, so its scope is the whole site); it only ever answers GETs for those two pages
   and the static files they use. Writes never go through it: the page keeps its offline actions in
   IndexedDB and sends them itself to /api/v1/batch/ (static/core/offline.js). */
"use strict";

const CACHE = "mardom-offline-v1";
// The pages kept for offline use: a fund's month page and a booth's sale page (with their query, e.g. the month).
const PAGES = [/^\/funds\/\d+\/month\/$/, /^\/market\/booths\/\d+\/$/];

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("mardom-offline-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// A page that came from the cache says so in a header (the browser tests check it; a person sees the banner).
async function fromCache(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request) || await cache.match(request, { ignoreSearch: true });
  if (!hit) return null;
  const headers = new Headers(hit.headers);
  headers.set("X-Mardom-Offline", "cache");
  return new Response(await hit.blob(), { status: hit.status, statusText: hit.statusText, headers });
}

async function pageFirstFromNetwork(request) {
  try {
    const response = await fetch(request);
    // A redirect (to the login page) or an error page is never kept in place of the page.
    if (response.ok && !response.redirected) {
      const cache = await caches.open(CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await fromCache(request);
    if (cached) return cached;
    throw error;
  }
}

async function staticFromCache(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout/") {
    // A shared phone: the next person must not open the last one's fund or booth from the cache.
    event.respondWith(caches.delete(CACHE).then(() => fetch(request)));
    return;
  }
  if (request.method !== "GET") return;
  if (PAGES.some((re) => re.test(url.pathname))) {
    event.respondWith(pageFirstFromNetwork(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFromCache(request));
  }
});
