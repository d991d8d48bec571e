/**
 * Customers: e-mail (unique, case-insensitive), the platform's own id for them (`external_id`, unique), names,
 * an optional password for the token endpoint. A platform that signs its users in itself needs no password:
 * it finds its customers by external id and acts for them with its integration key.
 */
import { DomainError } from '../domain/errors.js';
import type { Customer } from '../ports/customers.js';
import type { Deps } from './deps.js';
import { defined, emailAddress, found, invalid } from './validate.js';

interface CustomerInput {
  readonly email?: string | undefined;
  readonly externalId?: string | null | undefined;
  readonly firstName?: string | null | undefined;
  readonly lastName?: string | null | undefined;
  readonly password?: string | undefined;
  readonly restricted?: boolean | undefined;
}

async function checked(deps: Deps, input: CustomerInput, selfId?: string) {
  if (input.email !== undefined) {
    emailAddress(input.email, '/email');
    const other = await deps.store.customers.getByEmail(input.email);
    if (other && other.id !== selfId) {
      throw new DomainError('already_exists', 'a customer with this e-mail already exists', [{ field: '/email', message: 'is already used' }]);
    }
  }
  if (input.externalId !== undefined && input.externalId !== null) {
    externalId(input.externalId, '/external_id');
    const other = await deps.store.customers.getByExternalId(input.externalId);
    if (other && other.id !== selfId) {
      throw new DomainError('already_exists', `a customer with external_id ${input.externalId} already exists (${other.id})`, [{ field: '/external_id', message: 'is already used' }]);
    }
  }
  if (input.password !== undefined && input.password.length < 8) throw invalid('/password', 'must be at least 8 characters');
  return defined({
    email: input.email, externalId: input.externalId, firstName: input.firstName, lastName: input.lastName, restricted: input.restricted,
    passwordHash: input.password === undefined ? undefined : await deps.hasher.hashPassword(input.password),
  });
}

export async function createCustomer(deps: Deps, input: CustomerInput & { email: string }): Promise<Customer> {
  const values = await checked(deps, input);
  return deps.store.customers.insert({
    id: deps.ids.next('cus'), email: input.email, externalId: values.externalId ?? null, firstName: values.firstName ?? null, lastName: values.lastName ?? null,
    restricted: values.restricted ?? false, passwordHash: values.passwordHash ?? null,
  });
}

/** Who changes a customer: the platform (an API key), or the customer itself, from one of its sign-ins. */
export type CustomerEditor =
  | { readonly self: false }
  | { readonly self: true; readonly session: string | null; readonly currentPassword: string | undefined };

/**
 * Updates a customer. A customer changing its own password or e-mail proves it knows the current password
 * (a stolen access token must not be enough to take the account over); an account without a password is
 * the platform's to change. A new password ends every other sign-in of the customer: all its refresh
 * tokens except those of the sign-in making the change (all of them when the platform changes it).
 */
export async function updateCustomer(deps: Deps, id: string, input: CustomerInput, by: CustomerEditor = { self: false }): Promise<Customer> {
  const customer = found(await deps.store.customers.get(id), 'customer', id);
  const changesCredentials = input.password !== undefined || (input.email !== undefined && input.email.toLowerCase() !== customer.email.toLowerCase());
  if (by.self && changesCredentials) {
    if (customer.passwordHash === null) {
      throw new DomainError('forbidden', 'this account has no password: its e-mail and password are managed by the platform');
    }
    if (by.currentPassword === undefined) throw invalid('/current_password', 'is required to change the e-mail or the password');
    if (!(await deps.hasher.verifyPassword(by.currentPassword, customer.passwordHash))) {
      throw new DomainError('forbidden', 'the current password is wrong', [{ field: '/current_password', message: 'is wrong' }]);
    }
  }
  const values = await checked(deps, input, id);
  return deps.store.tx(async (tx) => {
    const updated = found(await tx.customers.update(id, values), 'customer', id);
    if (input.password !== undefined) await tx.refreshTokens.revokeCustomer(id, by.self ? by.session : null, deps.clock.now());
    return updated;
  });
}

export async function getCustomer(deps: Deps, id: string): Promise<Customer> {
  return found(await deps.store.customers.get(id), 'customer', id);
}

/** An external id: 1 to 255 characters, no control characters (it travels in URL paths and logs). */
function externalId(value: string, field: string): string {
  // eslint-disable-next-line no-control-regex
  if (value.length < 1 || value.length > 255 || /[\u0000-\u001f\u007f]/.test(value)) throw invalid(field, 'must be 1 to 255 characters, without control characters');
  return value;
}

/** Splits a full name at its first space: the first name greets the buyer in e-mails. */
export function splitName(name: string | null | undefined): { firstName?: string | null; lastName?: string | null } {
  if (name === undefined) return {};
  const trimmed = name?.trim() ?? '';
  if (!trimmed) return { firstName: null, lastName: null };
  const space = trimmed.indexOf(' ');
  return space < 0 ? { firstName: trimmed, lastName: null } : { firstName: trimmed.slice(0, space), lastName: trimmed.slice(space + 1).trim() };
}

interface UpsertInput {
  readonly email?: string | undefined;
  readonly firstName?: string | null | undefined;
  readonly lastName?: string | null | undefined;
}

/**
 * Creates or updates the customer the platform knows as `external`: idempotent (the same call twice leaves
 * one customer with the same values). A new external id with the e-mail of an existing customer that has
 * no external id links that customer (the platform's user signed up here earlier); an e-mail that belongs to
 * a customer with another external id is a 409. Creating needs `email`. Two concurrent first calls for one
 * external id both end with the same customer (the loser of the unique index re-reads and updates).
 */
export async function upsertByExternalId(deps: Deps, external: string, input: UpsertInput): Promise<{ customer: Customer; created: boolean }> {
  externalId(external, '/external_id');
  const existing = await deps.store.customers.getByExternalId(external);
  if (existing) return { customer: await updateCustomer(deps, existing.id, input), created: false };
  if (input.email === undefined) throw invalid('/email', 'is required to create a customer');
  const byEmail = await deps.store.customers.getByEmail(input.email);
  if (byEmail) {
    if (byEmail.externalId !== null) {
      throw new DomainError('already_exists', `the e-mail ${input.email} belongs to the customer with external_id ${byEmail.externalId}`,
        [{ field: '/email', message: 'is used by a customer with another external_id' }]);
    }
    return { customer: await updateCustomer(deps, byEmail.id, { ...input, externalId: external }), created: false };
  }
  try {
    return { customer: await createCustomer(deps, { ...input, email: input.email, externalId: external }), created: true };
  } catch (error) {
    const raced = await deps.store.customers.getByExternalId(external);
    if (raced) return { customer: await updateCustomer(deps, raced.id, input), created: false };
    throw error;
  }
}

/** The customer named by `{id}` or `{external_id}` (a platform acting for one of its users); 404 otherwise. */
export async function customerByReference(deps: Pick<Deps, 'store'>, ref: { id?: string | undefined; externalId?: string | undefined }, field = '/customer'): Promise<Customer> {
  if (ref.id !== undefined && ref.externalId !== undefined) throw invalid(field, 'names the customer by id or by external_id, not both');
  if (ref.id !== undefined) return found(await deps.store.customers.get(ref.id), 'customer', ref.id);
  if (ref.externalId !== undefined) return found(await deps.store.customers.getByExternalId(ref.externalId), 'customer with external_id', ref.externalId);
  throw invalid(field, 'must name the customer: {"id"} or {"external_id"}');
}
