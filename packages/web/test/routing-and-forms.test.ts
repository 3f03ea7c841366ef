import { describe, expect, it } from "vitest";
import { toApiError } from "../src/api/api-error.js";
import { describeCondition } from "../src/format/condition-text.js";
import { filterExperiments } from "../src/format/experiment-filter.js";
import { dayToIso, fieldAnchor, isoToDay, parseNumberField } from "../src/format/field-anchor.js";
import { lifecycleActions } from "../src/format/lifecycle.js";
import { extent, linearScale } from "../src/format/scale.js";
import { hrefOf, parseRoute } from "../src/router.js";

describe("routes", () => {
  it("parses hash routes", () => {
    expect(parseRoute("")).toEqual({ page: "experiments" });
    expect(parseRoute("#/")).toEqual({ page: "experiments" });
    expect(parseRoute("#/experiments/exp_1")).toEqual({ page: "experiment", key: "exp_1" });
    expect(parseRoute("#/experiments/exp_1/edit")).toEqual({ page: "edit", key: "exp_1" });
    expect(parseRoute("#/flags/")).toEqual({ page: "flags" });
    expect(parseRoute("#/keys")).toEqual({ page: "keys" });
    expect(hrefOf(parseRoute("#/keys"))).toBe("#/keys");
    expect(parseRoute("#/nope/x")).toEqual({ page: "not_found", path: "/nope/x" });
  });
});

describe("form helpers", () => {
  it("anchors a server error at the field, else its closest enclosing field, else the form", () => {
    const known = new Set(["variants", "variants[1].allocation", "end_at"]);
    expect(fieldAnchor("variants[1].allocation", known)).toBe("variants[1].allocation");
    expect(fieldAnchor("variants[0].key", known)).toBe("variants");
    expect(fieldAnchor("end_at", known)).toBe("end_at");
    expect(fieldAnchor("body", known)).toBeNull();
    expect(fieldAnchor(undefined, known)).toBeNull();
  });
  it("converts dates and numbers", () => {
    expect(dayToIso("2026-02-01")).toBe("2026-02-01T00:00:00Z");
    expect(dayToIso("")).toBeNull();
    expect(isoToDay("2026-02-01T00:00:00.000Z")).toBe("2026-02-01");
    expect(parseNumberField(" ")).toBeNull();
    expect(parseNumberField("0.2")).toBe(0.2);
    expect(parseNumberField("abc")).toBeNaN();
  });
  it("offers the registry's legal lifecycle moves", () => {
    expect(lifecycleActions("submitted").map((a) => a.to)).toEqual(["approved", "draft"]);
    expect(lifecycleActions("archived")).toEqual([]);
  });
  it("reads the API's error body", () => {
    const e = toApiError(400, {
      error: { code: "bad_request", message: "end_at: end date must be after start date", field: "end_at" },
    });
    expect(e).toMatchObject({ status: 400, code: "bad_request", field: "end_at" });
    expect(toApiError(502, "<html>Bad gateway</html>").message).toBe("<html>Bad gateway</html>");
  });
});

describe("filters and scales", () => {
  const list = [
    {
      key: "checkout_button",
      name: "Green button",
      hypothesis: "more buys",
      owner_team: "growth",
      status: "running" as const,
    },
    { key: "search_rank", name: "Ranking", hypothesis: "", owner_team: "search", status: "draft" as const },
  ];
  it("filters by words, status and team", () => {
    expect(
      filterExperiments(list, { query: "BUTTON growth", status: "all", team: "all" }).map((e) => e.key),
    ).toEqual(["checkout_button"]);
    expect(filterExperiments(list, { query: "", status: "draft", team: "all" }).map((e) => e.key)).toEqual([
      "search_rank",
    ]);
    expect(filterExperiments(list, { query: "", status: "all", team: "search" })).toHaveLength(1);
  });
  it("makes nice ticks spanning the data", () => {
    const s = linearScale([-0.013, 0.021], [0, 400], 4);
    expect(s.domain[0]).toBeLessThanOrEqual(-0.013);
    expect(s.domain[1]).toBeGreaterThanOrEqual(0.021);
    expect(s.ticks).toContain(0);
    expect(s(s.domain[0])).toBe(0);
    expect(s(s.domain[1])).toBe(400);
    expect(extent([null, 3, -1, Number.NaN])).toEqual([-1, 3]);
    expect(extent([])).toBeUndefined();
  });
});

describe("condition text", () => {
  it("reads SDK conditions as text", () => {
    expect(
      describeCondition({
        and: [
          { attribute: "country", op: "in", value: ["DE", "FR"] },
          {
            or: [
              { attribute: "app_version", op: "gte", value: 42 },
              { not: { attribute: "beta", op: "eq", value: true } },
            ],
          },
        ],
      }),
    ).toBe("country in [DE, FR] and (app_version ≥ 42 or not beta = true)");
    expect(describeCondition({ odd: 1 })).toBe('{"odd":1}');
  });
});
