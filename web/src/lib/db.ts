// A small promise wrapper over IndexedDB: one database per signed-in user,
// object stores with out-of-line keys.

export const STORES = ["kv", "convs", "msgs", "contacts", "requests", "groups", "invitations", "users", "favorites", "outbox"] as const;
export type StoreName = (typeof STORES)[number];

const VERSION = 1;

export function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export class DB {
  private constructor(readonly idb: IDBDatabase) {}

  static open(name: string): Promise<DB> {
    return new Promise((resolve, reject) => {
      const r = indexedDB.open(name, VERSION);
      r.onupgradeneeded = () => {
        const db = r.result;
        for (const s of STORES) if (!db.objectStoreNames.contains(s)) db.createObjectStore(s);
      };
      r.onsuccess = () => resolve(new DB(r.result));
      r.onerror = () => reject(r.error);
      r.onblocked = () => reject(new Error("IndexedDB blocked"));
    });
  }

  static drop(name: string): Promise<void> {
    return new Promise((resolve) => {
      const r = indexedDB.deleteDatabase(name);
      r.onsuccess = r.onerror = r.onblocked = () => resolve();
    });
  }

  close(): void {
    this.idb.close();
  }

  // tx runs fn in one transaction and resolves when it commits.
  tx(stores: StoreName[], mode: IDBTransactionMode, fn: (t: IDBTransaction) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = this.idb.transaction(stores, mode);
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error ?? new Error("transaction aborted"));
      fn(t);
    });
  }

  get<T>(store: StoreName, key: IDBValidKey): Promise<T | undefined> {
    return req(this.idb.transaction(store).objectStore(store).get(key)) as Promise<T | undefined>;
  }

  all<T>(store: StoreName, range?: IDBKeyRange): Promise<T[]> {
    return req(this.idb.transaction(store).objectStore(store).getAll(range)) as Promise<T[]>;
  }

  entries<T>(store: StoreName): Promise<[IDBValidKey, T][]> {
    const s = this.idb.transaction(store).objectStore(store);
    return Promise.all([req(s.getAllKeys()), req(s.getAll())]).then(([k, v]) => k.map((key, i) => [key, v[i] as T]));
  }

  put(store: StoreName, key: IDBValidKey, value: unknown): Promise<void> {
    return this.tx([store], "readwrite", (t) => t.objectStore(store).put(value, key));
  }

  del(store: StoreName, key: IDBValidKey | IDBKeyRange): Promise<void> {
    return this.tx([store], "readwrite", (t) => t.objectStore(store).delete(key));
  }

  // last returns up to n values with keys in range, from the highest key down.
  last<T>(store: StoreName, range: IDBKeyRange, n: number): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const out: T[] = [];
      const r = this.idb.transaction(store).objectStore(store).openCursor(range, "prev");
      r.onerror = () => reject(r.error);
      r.onsuccess = () => {
        const c = r.result;
        if (!c || out.length >= n) return resolve(out);
        out.push(c.value as T);
        c.continue();
      };
    });
  }
}
