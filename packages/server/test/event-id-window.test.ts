import { describe, expect, it } from "vitest";
import { createEventIdWindow, dedupeWindowFromEnv } from "../src/index.js";

describe("event id window (collector de-duplication)", () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it("remembers an id at least one window and forgets it after two", () => {
    const c = clock();
    const ids = createEventIdWindow({ windowMs: 1000, now: c.now });
    ids.add("a");
    c.advance(999);
    ids.add("b");
    expect(ids.has("a")).toBe(true);
    c.advance(1); // rotation: a and b move to the previous generation
    expect(ids.has("a")).toBe(true);
    expect(ids.has("b")).toBe(true);
    c.advance(999);
    expect(ids.has("b")).toBe(true); // b is 1000 ms old: still remembered
    c.advance(1); // second rotation: a (2000 ms) and b (1001 ms) are forgotten
    expect(ids.has("a")).toBe(false);
    expect(ids.has("b")).toBe(false);
    expect(ids.size).toBe(0);
  });

  it("drops both generations after a whole idle window, keeps the initial ids one window, forgets on delete", () => {
    const c = clock();
    const ids = createEventIdWindow({ windowMs: 1000, now: c.now, initial: ["from-lake"] });
    expect(ids.has("from-lake")).toBe(true);
    ids.add("x");
    ids.add("y");
    ids.delete("y");
    expect(ids.has("y")).toBe(false);
    expect(ids.size).toBe(2);
    c.advance(1000);
    expect(ids.has("from-lake")).toBe(false);
    expect(ids.has("x")).toBe(true);
    c.advance(2500);
    expect(ids.has("x")).toBe(false);
    expect(ids.size).toBe(0);
  });

  it("reads ASSAY_DEDUPE_WINDOW_MINUTES, naming the variable when it is not a positive number", () => {
    expect(dedupeWindowFromEnv({})).toBe(3_600_000);
    expect(dedupeWindowFromEnv({ ASSAY_DEDUPE_WINDOW_MINUTES: "1440" })).toBe(86_400_000);
    expect(() => dedupeWindowFromEnv({ ASSAY_DEDUPE_WINDOW_MINUTES: "0" })).toThrow(
      /ASSAY_DEDUPE_WINDOW_MINUTES must be a positive number of minutes, got "0"/,
    );
    expect(() => dedupeWindowFromEnv({ ASSAY_DEDUPE_WINDOW_MINUTES: "soon" })).toThrow(/"soon"/);
    expect(() => createEventIdWindow({ windowMs: 0 })).toThrow(RangeError);
  });
});
