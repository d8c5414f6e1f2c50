// Without a worker the outbox files (which live with it) cannot be reached: the export says it did
// not search them, and an erasure is refused with 503 before anything changes.
import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s), { worker: false });

describe('personal data without a worker', () => {
  it('the export answers without the outbox and says so; the erasure is a 503 problem and changes nothing', async () => {
    const personId = await f.person({ name: 'Nils Utanarbetare', email: 'nils@example.se' });
    const exported = await h.request('GET', `/v1/persons/${personId}/personal-data`, { key });
    expect(exported.status, exported.text).toBe(200);
    expect(exported.json.person).toMatchObject({ id: personId, name: 'Nils Utanarbetare' });
    expect(exported.json.places).toMatchObject({ files: [], outboxSearched: false });
    expect(exported.json.places.stored).toContainEqual({ table: 'persons', column: 'name', key: personId, found: ['name'] });

    const before = await h.sql`SELECT * FROM persons WHERE id = ${personId}`;
    const erased = await h.request('POST', `/v1/persons/${personId}/erase`, { key, body: { reason: 'Begäran' } });
    expect(erased.status).toBe(503);
    expect(erased.headers.get('content-type')).toBe('application/problem+json');
    expect(erased.json).toMatchObject({ status: 503, code: 'worker_unavailable' });
    expect(await h.sql`SELECT * FROM persons WHERE id = ${personId}`).toEqual(before);
    expect(await h.sql`SELECT id FROM person_erasures`).toEqual([]);
  });
});
