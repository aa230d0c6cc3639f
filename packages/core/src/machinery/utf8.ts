/**
 * The longest prefix of `bytes`, at most `at` long, that does not end inside a UTF-8 character, so
 * that a page cut at a byte limit never splits one (its bytes would decode as U+FFFD on both sides).
 * It also catches a character cut off by the end of `bytes` itself (a ranged read that stopped mid-way).
 */
export function utf8Boundary(bytes: Uint8Array, at: number): number {
  const end = Math.min(at, bytes.length);
  let lead = end;
  // Continuation bytes (10xxxxxx) belong to the character whose first byte precedes them.
  while (lead > 0 && end - lead < 3 && (bytes[lead - 1]! & 0xc0) === 0x80) lead--;
  if (lead === 0) return end;
  const first = bytes[lead - 1]!;
  const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return lead - 1 + length > end ? lead - 1 : end;
}
