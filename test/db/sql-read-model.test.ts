// The read compiler's joins (src/db/sql-read/model.ts) assume every relation's `references`
// from its `fields` by one convention, because neither generated datamodel carries them: this
// reads prisma/schema.prisma and checks the convention holds for every @relation in it.
import fs from 'node:fs';
import path from 'node:path';
import { referencesOf } from '../../src/db/sql-read/model';

test('every @relation(fields, references) in schema.prisma follows the convention the compiler joins by', () => {
  const schema = fs.readFileSync(path.join(__dirname, '../../prisma/schema.prisma'), 'utf8');
  const relations = [...schema.matchAll(/@relation\(([^)]*)\)/g)]
    .map((m) => m[1]!)
    .filter((body) => body.includes('fields:'));
  expect(relations.length).toBeGreaterThan(40);
  for (const body of relations) {
    const list = (name: string) =>
      new RegExp(`${name}:\\s*\\[([^\\]]*)\\]`)
        .exec(body)![1]!
        .split(',')
        .map((s) => s.trim());
    expect({ body, references: referencesOf(list('fields')) }).toEqual({ body, references: list('references') });
  }
});
