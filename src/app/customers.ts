/** Customers: e-mail (unique, case-insensitive), names, an optional password for the token endpoint. */
import { DomainError } from '../domain/errors.js';
import type { Customer } from '../ports/customers.js';
import type { Deps } from './deps.js';
import { defined, emailAddress, found, invalid } from './validate.js';

interface CustomerInput {
  readonly email?: string | undefined;
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
  if (input.password !== undefined && input.password.length < 8) throw invalid('/password', 'must be at least 8 characters');
  return defined({
    email: input.email, firstName: input.firstName, lastName: input.lastName, restricted: input.restricted,
    passwordHash: input.password === undefined ? undefined : await deps.hasher.hashPassword(input.password),
  });
}

export async function createCustomer(deps: Deps, input: CustomerInput & { email: string }): Promise<Customer> {
  const values = await checked(deps, input);
  return deps.store.customers.insert({
    id: deps.ids.next('cus'), email: input.email, firstName: values.firstName ?? null, lastName: values.lastName ?? null,
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
