/**
 * `npm run ops:hash-password -w services/frontend`: reads a password (twice, without echo when
 * on a terminal, or one line from stdin) and prints `scrypt$...` for AGENCY_OPERATORS.
 */
import { createInterface } from "node:readline/promises";
import { stdin, stdout, stderr } from "node:process";
import { hashPassword } from "./operators.ts";

async function readPassword(prompt: string): Promise<string> {
  if (!stdin.isTTY) {
    const rl = createInterface({ input: stdin });
    for await (const line of rl) return line;
    return "";
  }
  stderr.write(prompt);
  stdin.setRawMode(true);
  let value = "";
  for await (const chunk of stdin) {
    for (const ch of String(chunk)) {
      if (ch === "\r" || ch === "\n") {
        stdin.setRawMode(false);
        stderr.write("\n");
        stdin.pause();
        return value;
      }
      if (ch === "\u0003") process.exit(130);
      value = ch === "\u007f" ? value.slice(0, -1) : value + ch;
    }
  }
  return value;
}

const password = await readPassword("Password: ");
if (stdin.isTTY && (await readPassword("Again: ")) !== password) {
  stderr.write("The passwords differ; nothing was printed.\n");
  process.exit(1);
}
try {
  stdout.write((await hashPassword(password)) + "\n");
  stderr.write('Add it to AGENCY_OPERATORS as "<name>:<hash>" (comma-separate several operators).\n');
} catch (err) {
  stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
