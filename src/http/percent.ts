/** Percentages on the native API: a number or a decimal string in, parts per million inside, a number out. */
import { Type } from 'typebox';
import { unwrap } from '../domain/errors.js';
import { parsePercent, PPM } from '../domain/money.js';

export const Percent = Type.Union([Type.Number(), Type.String({ maxLength: 12 })], { description: 'A percentage, e.g. 10 or "8.875"' });
export const percent = (ppm: number) => ppm / (PPM / 100);
export const ppm = (value: number | string, field: string) => unwrap(parsePercent(value, { field }));
