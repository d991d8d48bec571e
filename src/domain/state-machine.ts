import { DomainError, fail, ok, type Result } from './errors.js';

/**
 * The allowed moves of one state machine, as data: `table[from]` lists every state reachable from
 * `from` in one step. Staying in the same state is never listed; callers treat it as a no-op before
 * asking. A state mapped to `[]` is terminal.
 */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

/** True when `table` lists `to` among the successors of `from`. Unknown states are never allowed. */
export function canTransition<S extends string>(table: TransitionTable<S>, from: S, to: S): boolean {
  if (!Object.hasOwn(table, from)) return false;
  return table[from].includes(to);
}

/**
 * Moves from `from` to `to` if the table allows it; otherwise `invalid_transition` with the message
 * "cannot move <axis> from <from> to <to>". Pure: it only answers, the caller stores the new state.
 * A same-state move is refused like any other unlisted one.
 */
export function transition<S extends string>(
  table: TransitionTable<S>,
  axis: string,
  from: S,
  to: S,
): Result<S> {
  if (canTransition(table, from, to)) return ok(to);
  return fail(new DomainError('invalid_transition', `cannot move ${axis} from ${from} to ${to}`));
}
