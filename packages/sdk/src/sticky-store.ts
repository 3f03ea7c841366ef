/** A variant kept for an identity across salt rotations, with the iteration it was assigned in. */
export interface StickyAssignment {
  readonly variant: string;
  readonly iteration: number;
}

/**
 * Where sticky assignments live. Synchronous, so that evaluation stays synchronous; the server keeps its own.
 * Implementations may throw: the client reports the error and carries on without stickiness.
 */
export interface StickyAssignmentStore {
  get(identityId: string, experimentKey: string): StickyAssignment | undefined;
  set(identityId: string, experimentKey: string, assignment: StickyAssignment): void;
}

type Doc = Record<string, StickyAssignment>;

function isAssignment(value: unknown): value is StickyAssignment {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as StickyAssignment).variant === "string" &&
    Number.isInteger((value as StickyAssignment).iteration)
  );
}

function parseDoc(text: string | null | undefined): Doc {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    const doc: Doc = {};
    if (typeof parsed === "object" && parsed !== null) {
      for (const [key, value] of Object.entries(parsed)) if (isAssignment(value)) doc[key] = value;
    }
    return doc;
  } catch {
    return {};
  }
}

/**
 * Sticky assignments in memory (a Map per identity): for servers that persist elsewhere, tests, workers.
 * @example const client = createAssayClient({ payload, attributes, stickyStore: createMemoryStickyStore() });
 */
export function createMemoryStickyStore(): StickyAssignmentStore & { size(): number } {
  const byIdentity = new Map<string, Map<string, StickyAssignment>>();
  return {
    get: (identityId, experimentKey) => byIdentity.get(identityId)?.get(experimentKey),
    set(identityId, experimentKey, assignment) {
      let doc = byIdentity.get(identityId);
      if (!doc) {
        doc = new Map();
        byIdentity.set(identityId, doc);
      }
      doc.set(experimentKey, { variant: assignment.variant, iteration: assignment.iteration });
    },
    size: () => {
      let n = 0;
      for (const doc of byIdentity.values()) n += doc.size;
      return n;
    },
  };
}

/** The part of the Web Storage API the localStorage store uses. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * Sticky assignments in Web Storage (one JSON document per identity under `prefix + identityId`), read once
 * per identity and cached. Defaults to `globalThis.localStorage`.
 * @example createLocalStorageStickyStore({ prefix: "assay:sticky:" })
 */
export function createLocalStorageStickyStore(
  options: { storage?: KeyValueStorage; prefix?: string } = {},
): StickyAssignmentStore {
  const prefix = options.prefix ?? "assay:sticky:";
  const storage = options.storage ?? (globalThis as { localStorage?: KeyValueStorage }).localStorage;
  if (!storage) throw new Error("createLocalStorageStickyStore: no localStorage in this environment");
  const cache = new Map<string, Doc>();
  const load = (identityId: string): Doc => {
    let doc = cache.get(identityId);
    if (!doc) {
      doc = parseDoc(storage.getItem(prefix + identityId));
      cache.set(identityId, doc);
    }
    return doc;
  };
  return {
    get: (identityId, experimentKey) => load(identityId)[experimentKey],
    set(identityId, experimentKey, assignment) {
      const doc = load(identityId);
      doc[experimentKey] = { variant: assignment.variant, iteration: assignment.iteration };
      storage.setItem(prefix + identityId, JSON.stringify(doc));
    },
  };
}

/** The part of `document` the cookie store uses. */
export interface CookieJar {
  cookie: string;
}

/**
 * Sticky assignments in a first-party cookie per identity (`name_<identity>`), so they survive where
 * localStorage is partitioned or cleared. Defaults to `globalThis.document`.
 * @example createCookieStickyStore({ maxAgeDays: 180, domain: ".example.com" })
 */
export function createCookieStickyStore(
  options: { document?: CookieJar; name?: string; maxAgeDays?: number; domain?: string; path?: string } = {},
): StickyAssignmentStore {
  const jar = options.document ?? (globalThis as { document?: CookieJar }).document;
  if (!jar) throw new Error("createCookieStickyStore: no document in this environment");
  const name = options.name ?? "assay_sticky";
  const attributes =
    `; path=${options.path ?? "/"}; max-age=${Math.round((options.maxAgeDays ?? 180) * 86400)}; samesite=lax` +
    (options.domain ? `; domain=${options.domain}` : "");
  const cache = new Map<string, Doc>();
  const cookieName = (identityId: string) => `${name}_${encodeURIComponent(identityId)}`;
  const load = (identityId: string): Doc => {
    let doc = cache.get(identityId);
    if (!doc) {
      const wanted = `${cookieName(identityId)}=`;
      const entry = jar.cookie.split("; ").find((c) => c.startsWith(wanted));
      doc = parseDoc(entry === undefined ? undefined : decodeURIComponent(entry.slice(wanted.length)));
      cache.set(identityId, doc);
    }
    return doc;
  };
  return {
    get: (identityId, experimentKey) => load(identityId)[experimentKey],
    set(identityId, experimentKey, assignment) {
      const doc = load(identityId);
      doc[experimentKey] = { variant: assignment.variant, iteration: assignment.iteration };
      jar.cookie = `${cookieName(identityId)}=${encodeURIComponent(JSON.stringify(doc))}${attributes}`;
    },
  };
}
