/** Events of a timeout policy (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface TimeoutEvents {
  /** The deadline passed before the function settled. */
  timeout: { readonly ms: number };
}
