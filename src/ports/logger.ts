/**
 * The operator's log of domain facts: one line per fact (a payment succeeded, an endpoint was disabled, …)
 * with the ids that find the rows behind it. `fact` is a stable dotted name (`payment.succeeded`) an
 * operator can filter on; `message` is the human sentence. Field values are plain scalars by design:
 * callers pass ids, amounts in minor units, currencies and reason codes — never a token, key, card
 * number, password or webhook secret, and never a whole record that might hold one. Calls never throw
 * and never wait; the facts are logged after the transaction that made them true has committed.
 */
export type LogValue = string | number | boolean | null;

export interface LogFields {
  readonly [field: string]: LogValue;
}

export interface Logger {
  /** A fact that went as intended, or that the system handled by itself (a sweep, a janitor resolution). */
  info(fact: string, message: string, fields?: LogFields): void;
  /** A fact an operator may have to act on: a failed delivery or e-mail, a disabled endpoint, an open circuit. */
  warn(fact: string, message: string, fields?: LogFields): void;
}
