// Calls to the platform's API from the pages: JSON in and out, problem+json errors as exceptions.

import { kvGet, kvSet } from "./db.js";
import { lang } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export async function api(path, { method = "GET", json, body, headers = {}, token } = {}) {
  const init = { method, headers: { Accept: "application/json", "Accept-Language": lang(), ...headers } };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, init);
  let data = null;
  try { data = await response.json(); } catch { /* empty body */ }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** The categories, from the network when possible, else the copy kept from the last visit. */
export async function categories() {
  // Offline, the kept copy at once: a request bound to fail only adds noise and delay.
  if (!navigator.onLine) {
    const kept = await kvGet("categories");
    if (kept) return kept;
  }
  try {
    const list = await api("/api/v1/categories");
    await kvSet("categories", list);
    return list;
  } catch (err) {
    const kept = await kvGet("categories");
    if (kept) return kept;
    throw err;
  }
}
