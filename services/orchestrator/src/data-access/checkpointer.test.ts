import { describe, expect, it } from "vitest";
import { BinarySafeSerializer } from "./checkpointer.ts";

describe("BinarySafeSerializer", () => {
  it("when state holds a Buffer, then it is stored as base64 and read back as the same Buffer", async () => {
    const video = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
    const state = {
      artifacts: [
        { name: "prd.md", body: "# PRD" },
        { name: "explainer/explainer.mp4", body: video },
      ],
      nested: { list: [video, 1, "x", null] },
    };
    const serde = new BinarySafeSerializer();
    const [type, bytes] = await serde.dumpsTyped(state);
    expect(bytes.length).toBeLessThan(2 * 4096 * (4 / 3) + 1000);
    const back = (await serde.loadsTyped(type, bytes)) as typeof state;
    expect(Buffer.isBuffer(back.artifacts[1]!.body)).toBe(true);
    expect((back.artifacts[1]!.body as Buffer).equals(video)).toBe(true);
    expect(back.artifacts[0]!.body).toBe("# PRD");
    expect((back.nested.list[0] as Buffer).equals(video)).toBe(true);
    expect(back.nested.list.slice(1)).toEqual([1, "x", null]);
    // The caller's state is not changed by serializing it.
    expect(state.artifacts[1]!.body).toBe(video);
  });
});
