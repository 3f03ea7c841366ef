import { describe, expect, it } from "vitest";
import { createSseParser } from "../src/payload-sync.js";

describe("createSseParser (the stream's event format)", () => {
  it("dispatches events split anywhere across chunks, skips comments, joins data lines, keeps the last id", () => {
    const text =
      'retry: 1000\n: keep-alive\n\nevent: payload\nid: "e1"\ndata: {"a":\ndata: 1}\n\r\n: keep-alive\n\nevent: payload\nid: "e2"\ndata: {}\n\ndata: plain\n\n';
    for (const size of [1, 2, 3, 7, text.length]) {
      const seen: Array<{ event: string; id: string | null; data: string }> = [];
      const feed = createSseParser((e) => seen.push(e));
      for (let i = 0; i < text.length; i += size) feed(text.slice(i, i + size));
      expect(seen).toEqual([
        { event: "payload", id: '"e1"', data: '{"a":\n1}' },
        { event: "payload", id: '"e2"', data: "{}" },
        { event: "message", id: '"e2"', data: "plain" },
      ]);
    }
  });

  it("dispatches nothing for an event without data or an unfinished one", () => {
    const seen: unknown[] = [];
    const feed = createSseParser((e) => seen.push(e));
    feed("event: payload\nid: x\n\nevent: payload\ndata: {}");
    expect(seen).toEqual([]);
  });
});
