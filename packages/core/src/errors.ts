/**
 * An error caused by what the user gave us (experiment file, flags, objective output, store contents).
 * The CLI prints `message` alone and exits with code 2. `where` names the field, flag, file or key.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}

/** The store cannot be used (unreachable after retries, wrong password, incompatible format). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    message: string,
    /** true when the caller may retry later (connection lost) rather than a permanent problem. */
    readonly transient: boolean = false,
  ) {
    super(message);
  }
}
