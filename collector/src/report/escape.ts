// Text made safe in HTML and SVG, text and attribute values alike: the report shows values from
// records (services, rule names, reasons), which are whatever a producer sent.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
