// One IndexedDB object store keyed by user uuid, for keys this browser keeps (non-extractable
// CryptoKeys survive in IndexedDB, where localStorage could hold only exportable bytes).
export type StoreTx = <T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>) => Promise<T>;

export function userKeyedStore(dbName: string, storeName: string): StoreTx {
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(dbName, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(storeName, { keyPath: "user" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  return async (mode, fn) => {
    const d = await open();
    return new Promise((resolve, reject) => {
      const req = fn(d.transaction(storeName, mode).objectStore(storeName));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  };
}
