import { checkCondition } from "@assay/sdk";
import { BadRequestError } from "./http-error.js";

/**
 * Checks a targeting condition with the SDK's own checker, so the registry never stores one the SDK would refuse;
 * a problem is a 400 naming the path under `field` (`targeting.condition.and[1].op`).
 * @example checkTargetingCondition(body.targeting.condition, "targeting.condition");
 */
export function checkTargetingCondition(condition: unknown, field: string): void {
  if (condition === null || condition === undefined) return;
  const problem = checkCondition(condition, field);
  if (problem !== undefined) throw new BadRequestError(problem.path, problem.message);
}
