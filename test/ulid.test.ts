import { describe, expect, it } from 'vitest';
import { decodeTime, isValid } from 'ulid';
import { ulid } from '../platform/ulid.js';

describe('ulid', () => {
  it('makes valid, distinct ids stamped with the current time, whose random parts use every character', () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => ulid());
    const after = Date.now();
    expect(ids.every((id) => isValid(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [ids[0], ids.at(-1)!]) {
      expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
      expect(decodeTime(id)).toBeLessThanOrEqual(after);
    }
    // Across the pool's refills, the 16 random characters cover the whole alphabet evenly.
    const counts = new Map<string, number>();
    for (const id of ids) for (const ch of id.slice(10)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(32);
    const expected = (ids.length * 16) / 32;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.05);
  });
});
