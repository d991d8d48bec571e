/** Customers: e-mail (unique, case-insensitive), names, an optional password for the token endpoint. */
import { DomainError } from '../domain/errors.js';
import type { Customer } from '../ports/records.js';
import type { Deps } from './deps.js';
import { defined, found, invalid } from './validate.js';

export interface CustomerInput {
  readonly email?: string | undefined;
  readonly firstName?: string | null | undefined;
  readonly lastName?: string | null | undefined;
  readonly password?: string | undefined;
  readonly restricted?: boolean | undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function checked(deps: Deps, input: CustomerInput, selfId?: string) {
  if (input.email !== undefined) {
    if (!EMAIL.test(input.email)) throw invalid('/email', 'is not an e-mail address');
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

export async function updateCustomer(deps: Deps, id: string, input: CustomerInput): Promise<Customer> {
  found(await deps.store.customers.get(id), 'customer', id);
  return found(await deps.store.customers.update(id, await checked(deps, input, id)), 'customer', id);
}

export async function getCustomer(deps: Deps, id: string): Promise<Customer> {
  return found(await deps.store.customers.get(id), 'customer', id);
}
