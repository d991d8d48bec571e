/** Verifies a received delivery with the independent `standardwebhooks` library, as a receiver would. */
import { Webhook } from 'standardwebhooks';
import { vi } from 'vitest';
import type { Received } from './receiver.js';

/**
 * The library compares the timestamp with the wall clock; deliveries sent under a fake clock are checked
 * with the wall clock set to the moment they were sent.
 */
export function verifyWithLibrary(secret: string, received: Received, atMs: number): unknown {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(atMs);
    return new Webhook(secret).verify(received.body, {
      'webhook-id': String(received.headers['webhook-id']),
      'webhook-timestamp': String(received.headers['webhook-timestamp']),
      'webhook-signature': String(received.headers['webhook-signature']),
    });
  } finally {
    vi.useRealTimers();
  }
}
