import { describe, expect, it } from 'vitest';
import { canTransition, transition, type TransitionTable } from '../../src/domain/state-machine.js';
import { errorOf, valueOf } from './support.js';

type Light = 'red' | 'green' | 'yellow' | 'off';
const LIGHT: TransitionTable<Light> = { red: ['green', 'off'], green: ['yellow'], yellow: ['red'], off: [] };

describe('state machine', () => {
  it('allows exactly the moves listed in the table', () => {
    expect(canTransition(LIGHT, 'red', 'green')).toBe(true);
    expect(canTransition(LIGHT, 'red', 'off')).toBe(true);
    expect(canTransition(LIGHT, 'red', 'yellow')).toBe(false);
    expect(canTransition(LIGHT, 'off', 'red')).toBe(false);
  });

  it('refuses a move to the same state, which callers treat as a no-op', () => {
    expect(canTransition(LIGHT, 'green', 'green')).toBe(false);
    expect(errorOf(transition(LIGHT, 'light', 'green', 'green')).code).toBe('invalid_transition');
  });

  it('refuses moves from a state the table does not know', () => {
    expect(canTransition(LIGHT, 'blue' as Light, 'red')).toBe(false);
    expect(canTransition(LIGHT, 'toString' as Light, 'red')).toBe(false);
  });

  it('returns the new state for an allowed move', () => {
    expect(valueOf(transition(LIGHT, 'light', 'yellow', 'red'))).toBe('red');
  });

  it('names the axis and both states when refusing', () => {
    const error = errorOf(transition(LIGHT, 'light', 'red', 'yellow'));
    expect(error.code).toBe('invalid_transition');
    expect(error.message).toBe('cannot move light from red to yellow');
  });
});
