// A small stdio MCP server for Tandem's tests, misbehaving on request:
// `crash` exits in the middle of the call, `fail` answers with isError,
// `slow` never answers in time (a cancel of it is written to FLAKY_CANCELS),
// `grow` adds the tool `late` (the SDK then
// sends notifications/tools/list_changed). With FLAKY_STARTS set, each
// start appends the server's pid to that file.
import { appendFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer(
  { name: "flaky", version: "1.0.0" },
  { capabilities: { tools: { listChanged: true } } },
);
const text = (t) => ({ content: [{ type: "text", text: t }] });

server.registerTool(
  "crash",
  { description: "Exits the server while answering", inputSchema: { why: z.string().optional() } },
  async () => {
    process.stderr.write("flaky: crashing on purpose\n");
    process.exit(3);
  },
);
server.registerTool(
  "fail",
  { description: "Answers with an error result", inputSchema: {} },
  async () => ({ ...text("it went wrong on purpose"), isError: true }),
);
server.registerTool(
  "slow",
  { description: "Takes a minute", inputSchema: {} },
  async (_args, extra) => {
    // A client's notifications/cancelled aborts the call: FLAKY_CANCELS
    // gets a line saying so.
    extra.signal.addEventListener("abort", () => {
      if (process.env.FLAKY_CANCELS) appendFileSync(process.env.FLAKY_CANCELS, `cancelled slow: ${extra.signal.reason ?? ""}\n`);
    });
    await new Promise((r) => setTimeout(r, 60_000));
    return text("slow done");
  },
);
server.registerTool(
  "grow",
  { description: "Adds the tool `late`", inputSchema: {} },
  async () => {
    server.registerTool(
      "late",
      { description: "Only there after grow", inputSchema: { n: z.number() } },
      async ({ n }) => text(`late tool ran with ${n}`),
    );
    return text("grown");
  },
);

if (process.env.FLAKY_STARTS) appendFileSync(process.env.FLAKY_STARTS, `${process.pid}\n`);
await server.connect(new StdioServerTransport());
