/**
 * Control paragraphs (deb822) as dpkg, apt and opkg write them: `Field: value`, continuation
 * lines starting with a space. A field keeps its continuation lines verbatim.
 */
export type Field = readonly [name: string, value: string];

/** The fields of one paragraph, in file order; trailing blank lines and spaces are dropped. */
export function parseParagraph(text: string): Field[] {
  const fields: Array<[string, string]> = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line === '') continue;
    const last = fields[fields.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      last[1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`not a control line: ${JSON.stringify(line)}`);
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return fields;
}

export function renderParagraph(fields: readonly Field[]): string {
  let out = '';
  for (const [name, value] of fields) out += `${name}: ${value}\n`;
  return out;
}

export function fieldValue(fields: readonly Field[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/**
 * A function that reorders fields by `order` (case-insensitive); unknown fields follow in
 * their own order. The ranks are computed once, not once per paragraph.
 */
export function fieldOrder(order: readonly string[]): (fields: readonly Field[]) => Field[] {
  const rank = new Map(order.map((n, i) => [n.toLowerCase(), i]));
  return (fields) =>
    fields
      .map((f, i) => ({ f, r: rank.get(f[0].toLowerCase()) ?? order.length + i }))
      .sort((a, b) => a.r - b.r)
      .map(({ f }) => f);
}
