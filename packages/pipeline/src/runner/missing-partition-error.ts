/** A lake partition a job needs is missing, or the warehouse holds partitions the run must not count. */
export class MissingPartitionError extends Error {
  readonly status = 409;
  constructor(message: string) {
    super(message);
    this.name = "MissingPartitionError";
  }
}
