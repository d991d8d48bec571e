/** TypeBox schemas shared by the native API's routes; they drive validation, serialisation and OpenAPI. */
import { Type, type TSchema } from 'typebox';

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const CurrencyCode = Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code, e.g. USD' });
export const MinorUnits = Type.Integer({
  minimum: 0, maximum: Number.MAX_SAFE_INTEGER,
  description: 'Integer amount in the currency\'s minor units (cents for USD, yen for JPY, fils/1000 for KWD)',
});
export const ShortText = Type.String({ minLength: 1, maxLength: 200 });
export const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), {
  description: 'Up to 50 string key/value pairs for your own use', maxProperties: 50,
});

/** What a processor reported about a transaction (external gateways: Commerce Layer's transaction attributes). */
export const ProcessorDetailFields = {
  message: Nullable(Type.String({ description: 'The processor\'s message about the transaction' })),
  avs_code: Nullable(Type.String()), avs_message: Nullable(Type.String()), cvv_code: Nullable(Type.String()), cvv_message: Nullable(Type.String()),
  fraud_review: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'The metadata the processor returned for the transaction (its replies and webhook), {} when none' }),
};

/** A notification on an order (native API and events). */
export const NotificationSchema = Type.Object({
  id: Type.Integer(), object: Type.Literal('order_notification'),
  transaction_id: Nullable(Type.String({ description: 'The payment transaction whose processor reply carried the message' })),
  body: Type.Unknown({ description: 'One entry of the reply\'s `messages`, exactly as the processor sent it' }),
  created_at: Timestamp,
}, { description: 'A message a payment processor attached to the order (an external gateway reply\'s `messages`)' });

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable snake_case error code' }),
    message: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    request_id: Type.String(),
  }),
}, { $id: 'Error', description: 'The error envelope of the native API' });

export const StringId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const IntegerId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

const PageFields = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  starting_after: Type.Optional(Type.String({ maxLength: 200, description: 'The next_cursor of the previous page' })),
};
export const ListQuery = Type.Object(PageFields, { additionalProperties: false });

/** A list query with filters besides the page fields. */
export function listQuery<P extends Record<string, TSchema>>(filters: P) {
  return Type.Object({ ...PageFields, ...filters }, { additionalProperties: false });
}

export function listOf<T extends TSchema>(item: T) {
  return Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(item),
    has_more: Type.Boolean(),
    next_cursor: Nullable(Type.String()),
  });
}

const ERROR_RESPONSES = {
  400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' },
  409: { $ref: 'Error#' }, 422: { $ref: 'Error#' },
} as const;

/** Response schemas: the success shape plus the error envelope for the usual 4xx statuses. */
export function responses<T extends TSchema>(status: 200 | 201 | 202, body: T) {
  return { [status]: body, ...ERROR_RESPONSES } as { [K in typeof status]: T } & typeof ERROR_RESPONSES;
}
