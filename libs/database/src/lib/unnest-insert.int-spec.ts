import { createTestDatabase, type TestDatabase } from '@switchyard/testing';
import { Column, CreateDateColumn, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from './bigint.transformer';
import { unnestInsert } from './unnest-insert';

@Entity({ name: 'things', schema: 'sample' })
class ThingEntity {
  @PrimaryColumn({ name: 'thing_id', type: 'text' })
  thingId!: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId!: string;

  @Column({ name: 'amount_micros', type: 'bigint', transformer: bigintTransformer })
  amountMicros!: bigint;

  @Column({ type: 'integer' })
  tokens!: number;

  @Column({ type: 'boolean' })
  streamed!: boolean;

  @Column({ type: 'jsonb' })
  attempts!: unknown;

  @Column({ name: 'completed_at', type: 'timestamptz' })
  completedAt!: Date;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** Text that a hand-built array literal would get wrong: quotes, backslashes, braces, commas, NULL-looking words. */
const HOSTILE = ['plain', 'with "quotes"', 'back\\slash\\', '{braces},and,commas', 'NULL', '', ' spaced ', 'üñïçødé ✓', "it's"];

describe('unnestInsert (real Postgres)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('unnestinsert');
    dataSource = new DataSource({ type: 'postgres', url: database.url, entities: [ThingEntity] });
    await dataSource.initialize();
    await dataSource.query('CREATE SCHEMA sample');
    await dataSource.synchronize();
  }, 30_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const thing = (i: number, overrides: Partial<ThingEntity> = {}): Partial<ThingEntity> => ({
    thingId: `${HOSTILE[i % HOSTILE.length]}#${i}`,
    ownerId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    amountMicros: 9_223_372_036_854_775_807n - BigInt(i),
    tokens: i,
    streamed: i % 2 === 0,
    attempts: [{ providerId: HOSTILE[(i + 1) % HOSTILE.length], latencyMs: i, nested: { quote: '"', slash: '\\' } }],
    completedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i, 123)),
    note: i % 3 === 0 ? null : HOSTILE[(i + 2) % HOSTILE.length],
    ...overrides,
  });

  it('stores every value exactly as TypeORM reads it back, whatever the text holds', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => thing(i));
    await dataSource.transaction((manager) => unnestInsert(manager, ThingEntity, rows));
    const stored = await dataSource.getRepository(ThingEntity).find({ order: { tokens: 'ASC' } });
    expect(stored).toHaveLength(25);
    stored.forEach((row, i) => {
      const { createdAt, ...rest } = row;
      expect(rest).toEqual(thing(i));
      expect(createdAt).toBeInstanceOf(Date); // the column's default
    });
  });

  it('skips conflicting rows and returns only the ones it inserted; a missing nullable value is NULL', async () => {
    const again = [thing(1), thing(100, { note: undefined }), thing(2), thing(101)];
    const returned = await dataSource.transaction((manager) => unnestInsert(manager, ThingEntity, again, { skipConflicts: true, returning: ['thing_id'] }));
    expect(returned.map((row) => row.thing_id).sort()).toEqual([thing(100).thingId, thing(101).thingId].sort());
    expect((await dataSource.getRepository(ThingEntity).findOneByOrFail({ tokens: 100 })).note).toBeNull();
    expect(await dataSource.getRepository(ThingEntity).count()).toBe(27);
  });

  it('refuses rows that give a required column for some rows only, and inserts nothing', async () => {
    const mixed = [thing(200), thing(201, { tokens: undefined })];
    await expect(dataSource.transaction((manager) => unnestInsert(manager, ThingEntity, mixed))).rejects.toThrow(/tokens is given for some rows only/);
    expect(await dataSource.getRepository(ThingEntity).count()).toBe(27);
  });

  it('works outside a transaction and with no rows at all', async () => {
    expect(await unnestInsert(dataSource.manager, ThingEntity, [])).toEqual([]);
    await unnestInsert(dataSource.manager, ThingEntity, [thing(300)]);
    expect(await dataSource.getRepository(ThingEntity).count()).toBe(28);
  });
});
