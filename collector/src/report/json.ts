// The report as one JSON object, for machines: the model as it is (its keys, in docs/cli.md).
import type { Report } from './model.js';

export const renderJson = (r: Report): string => `${JSON.stringify(r, null, 2)}\n`;
