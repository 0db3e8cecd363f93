/** What the simulator's upload APIs check in a file: its real type, by its first bytes, as gateways do. */

/** The image type the bytes start with (PNG, JPEG, GIF, WebP), or undefined. */
export function imageTypeOf(bytes: Uint8Array): string | undefined {
  const text = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 8 && bytes[0] === 0x89 && text(1, 4) === 'PNG') return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(text(0, 6))) return 'image/gif';
  if (bytes.length >= 12 && text(0, 4) === 'RIFF' && text(8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/** `file: <problem>` lines for a file that is empty, too large, or not one of `types`. */
export function fileProblems(
  bytes: Uint8Array,
  field: string,
  rule: { types: readonly string[]; maxBytes: number },
): { contentType: string } | { problems: string[] } {
  if (bytes.length === 0) return { problems: [`${field}: is empty`] };
  if (bytes.length > rule.maxBytes) return { problems: [`${field}: is larger than ${rule.maxBytes} bytes`] };
  const type = imageTypeOf(bytes);
  if (type === undefined || !rule.types.includes(type)) {
    return { problems: [`${field}: must be one of ${rule.types.join(', ')} (by its content)`] };
  }
  return { contentType: type };
}
