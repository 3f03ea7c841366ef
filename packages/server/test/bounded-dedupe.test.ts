import { describe, expect, it } from "vitest";
import { createCollector } from "../src/collector/collector.js";
import { createFingerprintSet } from "../src/collector/fingerprint-set.js";
import { createEventIdWindow, defaultTrackingPlan, type EventLog } from "../src/index.js";

const plan = { version: 1, plan: defaultTrackingPlan };
const event = (event_id: string) => ({
  event_id,
  user_id: "u1",
  event_name: "page_view",
  timestamp: new Date().toISOString(),
});

/** Issue 16, finding 6: collector de-duplication memory grew ≈ 87 bytes an id with no bound but the window. */
describe("bounded de-duplication", () => {
  it("a fingerprint set holds at most its capacity in fixed memory, exactly", () => {
    const s = createFingerprintSet(1000);
    const bytes = s.bytes;
    for (let i = 0; i < 1000; i++) expect(s.add(`id-${i}`)).toBe(true);
    expect(s.isFull).toBe(true);
    expect(s.add("one-more")).toBe(false);
    expect(s.has("one-more")).toBe(false);
    for (let i = 0; i < 1000; i++) expect(s.has(`id-${i}`)).toBe(true);
    for (let i = 0; i < 10_000; i++) expect(s.has(`other-${i}`)).toBe(false);
    s.delete("id-3");
    expect(s.has("id-3")).toBe(false);
    expect(s.size).toBe(999);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.bytes).toBe(bytes);
  });

  it("a flood rotates the window early: memory stays fixed, the latest ids are remembered", () => {
    const ids = createEventIdWindow({ windowMs: 3_600_000, maxIds: 1000 });
    const bytes = ids.bytes;
    for (let i = 0; i < 50_000; i++) ids.add(`e-${i}`);
    expect(ids.size).toBeLessThanOrEqual(2000);
    expect(ids.bytes).toBe(bytes);
    for (let i = 49_000; i < 50_000; i++) expect(ids.has(`e-${i}`)).toBe(true);
    expect(ids.has("e-0")).toBe(false);
  });

  it("acknowledges a duplicate only once its original is durable, and not at all if the original fails", async () => {
    const releases: Array<(ok: boolean) => void> = [];
    const log = {
      append: () =>
        new Promise<void>((resolve, reject) => {
          releases.push((ok) => (ok ? resolve() : reject(new Error("disk full"))));
        }),
    } as unknown as EventLog;
    const collector = createCollector(log, createEventIdWindow({ windowMs: 60_000 }));
    let originalDone = false;
    let duplicateDone = false;
    const original = collector.ingest([event("d1")], plan, new Map()).then((r) => {
      originalDone = true;
      return r;
    });
    const duplicate = collector.ingest([event("d1")], plan, new Map()).then((r) => {
      duplicateDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(duplicateDone).toBe(false);
    releases[0]!(true);
    expect((await original).accepted).toBe(1);
    expect((await duplicate).duplicates).toBe(1);
    expect(originalDone && duplicateDone).toBe(true);

    const failing = collector.ingest([event("d2")], plan, new Map());
    const copy = collector.ingest([event("d2")], plan, new Map());
    await new Promise((r) => setTimeout(r, 20));
    releases[1]!(false);
    await expect(failing).rejects.toThrow(/retry/);
    await expect(copy).rejects.toThrow(/retry/);
    // The retry is taken.
    const retry = collector.ingest([event("d2")], plan, new Map());
    await new Promise((r) => setTimeout(r, 20));
    releases[2]!(true);
    expect((await retry).accepted).toBe(1);
  });
});
