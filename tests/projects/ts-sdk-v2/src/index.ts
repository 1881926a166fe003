// A stdio MCP server on the TypeScript SDK v2 (`@modelcontextprotocol/server`).
import { McpServer } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import * as z from "zod";

const server = new McpServer({ name: "greeter", version: "0.1.0" });

server.registerTool(
  "greet",
  { description: "Greets someone by name.", inputSchema: z.object({ name: z.string() }) },
  async ({ name }) => ({ content: [{ type: "text", text: `Hello, ${name}!` }] }),
);

await server.connect(new StdioServerTransport());
