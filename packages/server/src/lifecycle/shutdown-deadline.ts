/**
 * Waits for `work` at most `ms`: true when it settled in time, false when the deadline passed first (the work is
 * left to the process exit). A stop must not wait for a retry's backoff (minutes) or a long pipeline run.
 * @example if (!(await settleWithin(decisions.stop(), 5000))) log("decision runs abandoned at shutdown");
 */
export async function settleWithin(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (work === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
