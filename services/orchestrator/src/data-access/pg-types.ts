/**
 * The type parsers of every pool the agency opens: pg's own, except for `bytea[]`. LangGraph's
 * Postgres checkpointer reads a checkpoint's channel values as one `array_agg` of bytea arrays
 * (`{{"\\x…","\\x…","\\x…"},…}`, the state's blobs in hex, twice their size). pg parses that text
 * with postgres-array one character at a time: an object per character, the characters pushed to
 * an array and joined. For a 1 MB blob that is a 2-million-element array (16 MiB) and as many
 * objects, so every read of a finished run's state left a few hundred MiB of garbage in the run
 * thread's old generation before the collector came round. This parser slices the hex out of
 * the text and decodes it with Buffer: the same values, with nothing per character.
 */
import pg from "pg";

/** Postgres's type id of `bytea[]` (pg_type.typarray of bytea); pg-types' enum lists no array types. */
export const BYTEA_ARRAY_OID = 1001 as (typeof pg.types.builtins)["BYTEA"];

const parseBytea = pg.types.getTypeParser(pg.types.builtins.BYTEA, "text") as (text: string) => Buffer;

type Nested = Array<Buffer | null | Nested>;

const QUOTE = 34; // "
const BACKSLASH = 92; // \
const COMMA = 44;
const OPEN = 123; // {
const CLOSE = 125; // }

/**
 * Parses Postgres's text output of a `bytea[]` of any dimension (`{}`, `{NULL,"\\x00ff"}`,
 * `{{…},{…}}`, an optional `[1:2]=` bounds prefix) into nested arrays of Buffers and nulls, as
 * pg's default parser does.
 */
export function parseByteaArray(text: string): Nested {
  let i = 0;
  if (text.charCodeAt(0) === 91 /* [ */) {
    // Bounds decoration, written only when a lower bound is not 1: the elements are the same.
    i = text.indexOf("=") + 1;
  }
  const fail = (why: string): never => {
    throw new Error(`malformed bytea[] at offset ${i}: ${why}`);
  };

  const element = (): Buffer | null => {
    if (text.charCodeAt(i) === QUOTE) {
      // Quoted: the only escapes are \" and \\ (each a backslash before the character it keeps).
      let value = "";
      let from = ++i;
      for (;;) {
        const code = text.charCodeAt(i);
        if (Number.isNaN(code)) fail("unterminated quoted element");
        if (code === QUOTE) break;
        if (code === BACKSLASH) {
          value += text.slice(from, i);
          from = ++i;
        }
        i++;
      }
      value += text.slice(from, i);
      i++;
      return parseBytea(value);
    }
    let end = i;
    while (end < text.length && text.charCodeAt(end) !== COMMA && text.charCodeAt(end) !== CLOSE) end++;
    const raw = text.slice(i, end);
    i = end;
    if (raw === "NULL") return null;
    if (raw === "") fail("empty unquoted element");
    return parseBytea(raw);
  };

  const array = (): Nested => {
    if (text.charCodeAt(i) !== OPEN) fail("expected {");
    i++;
    const out: Nested = [];
    if (text.charCodeAt(i) === CLOSE) {
      i++;
      return out;
    }
    for (;;) {
      out.push(text.charCodeAt(i) === OPEN ? array() : element());
      const code = text.charCodeAt(i++);
      if (code === CLOSE) return out;
      if (code !== COMMA) fail("expected , or }");
    }
  };

  const result = array();
  if (i !== text.length) fail("text after the closing }");
  return result;
}

/** pg's `types` option: pg's parsers, with `parseByteaArray` for `bytea[]` in text format. */
export const agencyTypes = {
  getTypeParser(oid: (typeof pg.types.builtins)["BYTEA"], format?: "text" | "binary") {
    if (oid === BYTEA_ARRAY_OID && (format ?? "text") === "text") return parseByteaArray;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;
