/**
 * The Message-ID of an e-mail names its reason (e.g. `order-confirmation.42`, stable across resends) and
 * the server that sent it: a random id made once per database and kept in its settings. Two servers with
 * their own databases that share a mail folder (the `.eml` files are named after the Message-ID) or an SMTP
 * relay never reuse each other's ids, although both have an order 42.
 */
import type { Deps } from '../deps.js';

const SETTING = 'server_id';

/** This database's server id, made on first use. */
export async function serverId(deps: Pick<Deps, 'store' | 'ids'>): Promise<string> {
  return (await deps.store.settings.get(SETTING)) ?? deps.store.settings.putIfAbsent(SETTING, deps.ids.token('srv'));
}

/** `<reason@paybridge>` (as enqueued) → `<reason.<server id>@paybridge>`. */
export function withServerId(messageId: string, server: string): string {
  const match = /^<([^@>]+)@([^>]+)>$/.exec(messageId);
  return match ? `<${match[1]}.${server}@${match[2]}>` : messageId;
}
