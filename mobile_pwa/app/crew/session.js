// The crew member's sign-in: the session is the server's HttpOnly cookie; the device keeps who it is (for
// offline use) and the CSRF token to send back on every POST.

import { api, ApiError } from "../api.js";
import * as store from "./store.js";

// Roles the crew API serves (api/routers/crews.py, CurrentCrew).
export const CREW_ROLES = ["crew", "service_staff", "admin"];

/** {me, offline} for the signed-in member (offline: the copy kept on the device), or null. */
export async function current() {
  // Nobody signed in on this device (no account kept, no CSRF cookie beside a session): no request, no 401.
  const kept = await store.me();
  if (!kept && !document.cookie.split("; ").some((c) => c.startsWith("rc_csrf="))) return null;
  if (kept && !navigator.onLine) return { me: kept, offline: true };
  try {
    const me = await api("/api/v1/auth/me");
    await store.signedIn(me);
    return { me, offline: false };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      await store.forget();
      return null;
    }
    const me = await store.me();
    return me ? { me, offline: true } : null;
  }
}

export async function signIn(email, password) {
  const result = await api("/api/v1/auth/login", { method: "POST", json: { email, password } });
  await store.signedIn(result.staff, result.csrf_token);
  return result.staff;
}

/** Sign out on the server (which alone can drop the HttpOnly cookie), then forget the account here. */
export async function signOut() {
  await api("/api/v1/auth/logout", { method: "POST", headers: { "X-CSRF-Token": (await store.csrf()) || "" } });
  await store.forget();
}
