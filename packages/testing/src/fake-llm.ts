/**
 * FAKE LLM vendor servers on loopback, for tests only: this machine cannot reach OpenAI or
 * Anthropic, so these speak just enough of their HTTP APIs (OpenAI chat/completions with tool calls
 * and embeddings; Anthropic messages with tool_use) for the real @langchain/openai and
 * @langchain/anthropic clients to run unmodified against them. The "model" behind them is a
 * function of the step and its input; by default the offline drafters answer.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { offlineDraftingModel, type DraftStep } from "@roboagency/agents";

export interface FakeCall {
  api: "openai" | "anthropic" | "embeddings";
  step: DraftStep | undefined;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** The full request body, to assert on prompts. */
  body: Record<string, unknown>;
}

/** What the fake model answers: a draft object, a raw string, or an HTTP error status (with headers such as Retry-After). */
export type FakeAnswer =
  | {
      draft: unknown;
      /** Answer as if the output cap cut it off (finish_reason "length"). */ truncated?: boolean;
    }
  | { text: string }
  | { status: number; headers?: Record<string, string> };

export interface FakeLlmServerOptions {
  answer?: (step: DraftStep, input: unknown, call: number) => FakeAnswer | Promise<FakeAnswer>;
}

export interface FakeLlmServer {
  /** e.g. http://127.0.0.1:41234 — OpenAI clients take `${url}/v1`, Anthropic clients `url`. */
  url: string;
  calls: FakeCall[];
  /** Requests answered with an HTTP error status, in order. */
  rejected: FakeCall[];
  stop(): Promise<void>;
}

const tokens = (text: string): number => Math.ceil(text.length / 4);

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((c) => (c as { text?: string }).text ?? "").join("");
  return "";
}

/** The step from the forced tool name, the input from the <intake> block of the first user turn. */
function parseTask(toolName: string, messages: { role: string; content: unknown }[]) {
  const step = toolName.replace(/^submit_/, "") as DraftStep;
  const user = messages.find((m) => m.role === "user");
  const block = textOf(user?.content).match(/<intake>\n([\s\S]*)\n<\/intake>/)?.[1];
  if (!block) throw new Error("fake LLM server: no <intake> block in the first user message");
  return { step, input: JSON.parse(block) as unknown };
}

async function offlineAnswer(step: DraftStep, input: unknown): Promise<FakeAnswer> {
  return {
    draft: await offlineDraftingModel.draft({ step, input, instructions: "", schema: undefined } as never),
  };
}

export async function startFakeLlmServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const answer = options.answer ?? ((step, input) => offlineAnswer(step, input));
  const calls: FakeCall[] = [];
  const rejected: FakeCall[] = [];
  let counter = 0;

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    readJson(req)
      .then(async (body) => {
        const model = String(body["model"] ?? "");
        if (req.url === "/v1/embeddings") {
          const inputs = ([] as string[]).concat(body["input"] as string | string[]);
          const base64 = body["encoding_format"] === "base64";
          const data = inputs.map((text, index) => {
            const vector = fakeEmbedding(text);
            return {
              object: "embedding",
              index,
              embedding: base64 ? Buffer.from(vector.buffer).toString("base64") : Array.from(vector),
            };
          });
          const used = inputs.reduce((n, t) => n + tokens(t), 0);
          calls.push({ api: "embeddings", step: undefined, model, inputTokens: used, outputTokens: 0, body });
          return send(200, {
            object: "list",
            data,
            model,
            usage: { prompt_tokens: used, total_tokens: used },
          });
        }
        const anthropic = req.url === "/v1/messages";
        if (!anthropic && req.url !== "/v1/chat/completions")
          return send(404, { error: { message: `no ${req.url}` } });

        const messages = body["messages"] as { role: string; content: unknown }[];
        const tools = body["tools"] as ({ function?: { name: string }; name?: string } | undefined)[];
        const toolName = tools?.[0]?.function?.name ?? tools?.[0]?.name ?? "";
        const { step, input } = parseTask(toolName, messages);
        const result = await answer(step, input, counter++);
        if ("status" in result) {
          rejected.push({
            api: anthropic ? "anthropic" : "openai",
            step,
            model,
            inputTokens: 0,
            outputTokens: 0,
            body,
          });
          return send(
            result.status,
            { error: { message: `fake ${result.status}`, type: "server_error" } },
            result.headers,
          );
        }
        const args = "draft" in result ? JSON.stringify(result.draft) : result.text;
        const system = anthropic ? textOf(body["system"]) : "";
        const inputTokens = tokens(system + messages.map((m) => textOf(m.content)).join(""));
        const outputTokens = tokens(args);
        calls.push({ api: anthropic ? "anthropic" : "openai", step, model, inputTokens, outputTokens, body });

        if (anthropic) {
          const content =
            "draft" in result
              ? [{ type: "tool_use", id: `toolu_${counter}`, name: toolName, input: result.draft }]
              : [{ type: "text", text: args }];
          return send(200, {
            id: `msg_${counter}`,
            type: "message",
            role: "assistant",
            model,
            content,
            stop_reason: "draft" in result ? (result.truncated ? "max_tokens" : "tool_use") : "end_turn",
            stop_sequence: null,
            usage: { input_tokens: inputTokens, output_tokens: outputTokens },
          });
        }
        const message =
          "draft" in result
            ? {
                role: "assistant",
                content: null,
                tool_calls: [
                  { id: `call_${counter}`, type: "function", function: { name: toolName, arguments: args } },
                ],
              }
            : { role: "assistant", content: args };
        return send(200, {
          id: `chatcmpl-${counter}`,
          object: "chat.completion",
          created: 1_790_000_000,
          model,
          choices: [
            {
              index: 0,
              message,
              finish_reason: "draft" in result ? (result.truncated ? "length" : "tool_calls") : "stop",
            },
          ],
          usage: {
            prompt_tokens: inputTokens,
            completion_tokens: outputTokens,
            total_tokens: inputTokens + outputTokens,
          },
        });
      })
      .catch((error: unknown) => send(500, { error: { message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    rejected,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A deterministic 16-dimensional unit vector per text (the fake server's "embedding model"). */
export function fakeEmbedding(text: string): Float32Array {
  const v = new Float32Array(16);
  for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 0;
    for (const c of word) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    v[h % 16]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
