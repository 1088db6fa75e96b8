// A small promise wrapper over IndexedDB, shared by the pages and the service worker.

const NAME = "ruecommune";
const VERSION = 1;
// outbox: reports not yet accepted by the server; sent: reports the server accepted from this device;
// crew_outbox: crew actions waiting for the network; kv: small values (tokens, cached lists).
const STORES = { outbox: "key", sent: "key", crew_outbox: "key", kv: "k" };

let opening = null;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        for (const [store, keyPath] of Object.entries(STORES)) {
          if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store, { keyPath });
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => { opening = null; reject(request.error); };
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(name, mode) {
  return (await openDb()).transaction(name, mode).objectStore(name);
}

export async function put(name, value) { return done((await store(name, "readwrite")).put(value)); }
export async function get(name, key) { return done((await store(name, "readonly")).get(key)); }
export async function all(name) { return done((await store(name, "readonly")).getAll()); }
export async function remove(name, key) { return done((await store(name, "readwrite")).delete(key)); }

/** Move a record from one store to another in one transaction, so a crash never keeps it in both or neither. */
export async function move(from, to, key, value) {
  const tx = (await openDb()).transaction([from, to], "readwrite");
  tx.objectStore(from).delete(key);
  tx.objectStore(to).put(value);
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export async function kvGet(k) { return (await get("kv", k))?.v; }
export async function kvSet(k, v) { return put("kv", { k, v }); }
