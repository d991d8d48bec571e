/**
 * The Skilljar purchases contract (contracts/skilljar-purchases-openapi.yml, verbatim) as validators: an
 * independent check that our Skilljar-compatible purchases responses are what a client generated from that file expects.
 * OpenAPI 3.0's `nullable` is Ajv's own `nullable` keyword; `readOnly`/`writeOnly` are annotations.
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const CONTRACT = new URL('../../contracts/skilljar-purchases-openapi.yml', import.meta.url);

type Json = Record<string, unknown>;

const doc = parse(readFileSync(CONTRACT, 'utf8')) as { components: { schemas: Record<string, Json> }; paths: Record<string, Json> };

const ajv = addFormats.default(new Ajv.default({ allErrors: true, strict: false }));
ajv.addSchema({ components: doc.components }, 'contract');

const cache = new Map<string, ValidateFunction>();

/** A validator for `#/components/schemas/<name>` of the contract. */
export function contractSchema(name: string): ValidateFunction {
  let validate = cache.get(name);
  if (!validate) {
    if (!doc.components.schemas[name]) throw new Error(`the contract has no schema ${name}`);
    validate = ajv.compile({ $ref: `contract#/components/schemas/${name}` });
    cache.set(name, validate);
  }
  return validate;
}

/** The schema name of the 200 response of `method path` in the contract (e.g. GET /v1/purchases/{purchase_id} → Purchase). */
export function responseSchemaName(method: string, path: string): string {
  const op = (doc.paths[path] as Record<string, Json> | undefined)?.[method.toLowerCase()] as
    { responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }> } | undefined;
  const ref = op?.responses['200']?.content['application/json']?.schema.$ref;
  if (!ref) throw new Error(`the contract has no 200 JSON response for ${method} ${path}`);
  return ref.replace('#/components/schemas/', '');
}

/** Problems of `body` against the contract's 200 response of `method path`; empty when it conforms. */
export function contractProblems(method: string, path: string, body: unknown): string[] {
  const validate = contractSchema(responseSchemaName(method, path));
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** Properties the contract's schema `name` declares that `body` lacks (the contract requires few, clients expect all). */
export function missingProperties(name: string, body: Record<string, unknown>): string[] {
  const props = Object.keys((doc.components.schemas[name]?.['properties'] ?? {}) as Json);
  return props.filter((p) => !(p in body));
}
