/** A simulator setting (environment variable or option) with an invalid value. */
export class SimulatorConfigError extends Error {
  override name = 'SimulatorConfigError';
}

/** A fault set that does not match the fault schema. The message lists every problem. */
export class InvalidFaultsError extends Error {
  override name = 'InvalidFaultsError';
}
