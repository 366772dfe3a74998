/** Checked against what Postgres writes and what pg's own parser makes of it; a real Postgres. */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@roboagency/testing/database";
import { openDatabase, type Database } from "./database.ts";
import { BYTEA_ARRAY_OID, parseByteaArray } from "./pg-types.ts";

const pgDefault = pg.types.getTypeParser(BYTEA_ARRAY_OID, "text") as (text: string) => unknown;

describe("parseByteaArray", () => {
  it.each([
    ["{}"],
    ["{NULL}"],
    ['{"\\\\x"}'],
    ['{"\\\\x00ff10",NULL,"\\\\x41"}'],
    ['{{"\\\\x6368616e6e656c","\\\\x6a736f6e","\\\\x7b7d"},{"\\\\x61",NULL,"\\\\x"}}'],
    ['[0:1]={"\\\\x01","\\\\x02"}'],
    // Escape format (bytea_output = escape): octal escapes and doubled backslashes.
    ['{"a\\\\\\\\b","\\\\001\\\\377",abc}'],
    ['{"say \\"hi\\""}'],
  ])("when Postgres writes %s, then the values are pg's own", (text) => {
    expect(parseByteaArray(text)).toEqual(pgDefault(text));
  });

  it("when a blob is large, then it is decoded whole, equal to pg's parse", () => {
    const blob = Buffer.alloc(1 << 17, 0xab);
    const text = `{{"\\\\x6b","\\\\x6a736f6e","\\\\x${blob.toString("hex")}"}}`;
    const parsed = parseByteaArray(text) as Buffer[][];
    expect(parsed[0]![2]!.equals(blob)).toBe(true);
    expect(parsed).toEqual(pgDefault(text));
  });

  it.each([['{"\\\\x00'], ["{NULL"], ["{NULL}x"], ["{,}"], ['{"\\\\x00"NULL}']])(
    "when the text is malformed (%s), then it throws instead of guessing",
    (text) => {
      expect(() => parseByteaArray(text)).toThrow(/malformed bytea\[\]/);
    },
  );
});

describe("the agency's pools", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it("when a query returns a checkpoint-shaped bytea[][], then the pool reads it as pg's parser would", async () => {
    // The shape of LangGraph's SELECT_SQL: array_agg(array[channel::bytea, type::bytea, blob]).
    const sql = `SELECT array_agg(array[c.channel::bytea, 'json'::bytea, c.blob]) AS v,
                        (array_agg(array[c.channel::bytea, 'json'::bytea, c.blob]))::text AS raw
                 FROM (VALUES ('intake', convert_to('{"idea":"a \\"quoted\\" idea"}', 'UTF8')),
                              ('__empty__', ''::bytea),
                              ('big', decode(repeat('00ff7f', 20000), 'hex')),
                              ('none', NULL)) AS c(channel, blob)`;
    const { rows } = await db.pool.query<{ v: Buffer[][]; raw: string }>(sql);
    expect(rows[0]!.v).toEqual(pgDefault(rows[0]!.raw));
    expect(rows[0]!.v[2]![2]!.length).toBe(60_000);
    expect(rows[0]!.v[3]![2]).toBeNull();
  });

  it("when a pool is opened, then bytea[] is read by parseByteaArray and every other type by pg", () => {
    const types = (db.pool as unknown as { options: { types: pg.CustomTypesConfig } }).options.types;
    expect(types.getTypeParser(BYTEA_ARRAY_OID, "text")).toBe(parseByteaArray);
    expect(types.getTypeParser(pg.types.builtins.JSONB, "text")).toBe(
      pg.types.getTypeParser(pg.types.builtins.JSONB, "text"),
    );
  });
});
