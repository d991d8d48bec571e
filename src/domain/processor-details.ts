/**
 * What a processor tells about a transaction beyond its outcome (the Commerce Layer external-gateway
 * protocol): the `metadata` of its replies, "copied into the related transaction resource", and the
 * attributes its webhook may update (`message`, the AVS and CVV codes, `fraud_review`). They are kept in
 * the transaction's internal metadata under two keys of their own, so a processor can never overwrite
 * Paybridge's own entries (the payment source, auto-capture), and are shown in the API and events and
 * sent back to the processor with later calls. Pure.
 */

/** The processor attributes kept besides the error code and message (which have fields of their own). */
const PROCESSOR_ATTRIBUTES = ['message', 'avs_code', 'avs_message', 'cvv_code', 'cvv_message', 'fraud_review'] as const;
type ProcessorAttribute = (typeof PROCESSOR_ATTRIBUTES)[number];
export type ProcessorAttributes = Readonly<Partial<Record<ProcessorAttribute, string | null>>>;

const METADATA_KEY = 'processor_metadata';
const ATTRIBUTES_KEY = 'processor_attributes';
/** A processor's metadata larger than this (as JSON) is not kept: it would bloat every read of the order. */
const MAX_PROCESSOR_METADATA_CHARS = 16_000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The processor attributes present in `data` (a reply's or a webhook's `data`), as strings of at most 1,000 characters. */
export function pickProcessorAttributes(data: Json): ProcessorAttributes {
  const picked: Partial<Record<ProcessorAttribute, string | null>> = {};
  for (const name of PROCESSOR_ATTRIBUTES) {
    const value = data[name];
    if (value === undefined) continue;
    picked[name] = value === null ? null : (typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 1000);
  }
  return picked;
}

/** A reply's `metadata` when it is an object of a sensible size; else undefined. */
export function pickProcessorMetadata(data: Json): Json | undefined {
  const metadata = data['metadata'];
  return isObject(metadata) && JSON.stringify(metadata).length <= MAX_PROCESSOR_METADATA_CHARS ? metadata : undefined;
}

/** A transaction's internal metadata with what a processor reported merged in (later values win). */
export function withProcessorDetails(stored: Readonly<Json>, reported: { readonly metadata?: Readonly<Json> | undefined; readonly attributes?: ProcessorAttributes | undefined }): Json {
  return {
    ...stored,
    ...(reported.metadata ? { [METADATA_KEY]: { ...processorMetadata(stored), ...reported.metadata } } : {}),
    ...(reported.attributes && Object.keys(reported.attributes).length > 0 ? { [ATTRIBUTES_KEY]: { ...storedAttributes(stored), ...reported.attributes } } : {}),
  };
}

/** The metadata the processor reported for a transaction ({} when none). */
export function processorMetadata(stored: Readonly<Json>): Json {
  const value = stored[METADATA_KEY];
  return isObject(value) ? value : {};
}

function storedAttributes(stored: Readonly<Json>): Json {
  const value = stored[ATTRIBUTES_KEY];
  return isObject(value) ? value : {};
}

/** Every processor attribute of a transaction, null when the processor never reported it. */
export function processorAttributes(stored: Readonly<Json>): Record<ProcessorAttribute, string | null> {
  const kept = storedAttributes(stored);
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    message: text(kept['message']), avs_code: text(kept['avs_code']), avs_message: text(kept['avs_message']),
    cvv_code: text(kept['cvv_code']), cvv_message: text(kept['cvv_message']), fraud_review: text(kept['fraud_review']),
  };
}
