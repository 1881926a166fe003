// Stateful Streamable HTTP MCP server. Each session gets its own transport,
// keyed by the Mcp-Session-Id header, so a replicated deployment needs the
// gateway to route every request of a session to the same replica.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import express from 'express';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

const PORT = Number(process.env.PORT ?? 8000);
const LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };
const LOG_LEVEL = LEVELS[(process.env.LOG_LEVEL ?? 'INFO').toUpperCase()] ?? LEVELS.INFO;
// Sessions with no request in flight for this long are closed (clients that vanish never send DELETE).
const IDLE_TIMEOUT_MS = Number(process.env.SESSION_IDLE_TIMEOUT ?? 1800) * 1000;

function log(level, ...args) {
  if (LEVELS[level] >= LOG_LEVEL) console.error(new Date().toISOString(), level, ...args);
}

const text = (t) => ({ content: [{ type: 'text', text: String(t) }] });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function buildServer() {
  const server = new McpServer({ name: 'stream', version: '0.1.0' });

  server.registerTool(
    'echo',
    { description: 'Echo the text back.', inputSchema: { text: z.string() } },
    async ({ text: t }) => text(t),
  );

  server.registerTool(
    'whoami',
    { description: 'Hostname of the replica that answered.', inputSchema: {} },
    async () => text(os.hostname()),
  );

  server.registerTool(
    'progress',
    {
      description: 'Wait `seconds` seconds, sending a progress notification every second.',
      inputSchema: { seconds: z.number().int().min(0).max(3600) },
    },
    async ({ seconds }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let i = 1; i <= seconds; i++) {
        await sleep(1000);
        if (extra.signal.aborted) return { ...text(`cancelled after ${i - 1}s`), isError: true };
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: i, total: seconds, message: `${i}/${seconds}s` },
          });
        }
      }
      return text(`done after ${seconds}s on ${os.hostname()}`);
    },
  );

  return server;
}

const sessions = new Map(); // session id -> { transport, inflight, lastSeen }

// Count requests in flight (a GET stream stays in flight while open) for the idle sweeper.
function track(session, res) {
  session.inflight++;
  res.on('close', () => {
    session.inflight--;
    session.lastSeen = Date.now();
  });
}

// Host/Origin checks are left to the gateway, which validates Origin.
const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '4mb' }));

// STATELESS=true: no sessions; every POST gets a fresh transport, so any replica can answer.
const STATELESS = /^(1|true|yes)$/i.test(process.env.STATELESS ?? '');

async function statelessPost(req, res) {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  const server = buildServer();
  res.on('close', () => {
    transport.close().catch(() => {});
    server.close().catch(() => {});
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}

app.post('/mcp', async (req, res) => {
  if (STATELESS) {
    try {
      return await statelessPost(req, res);
    } catch (err) {
      log('ERROR', 'error handling MCP request:', err);
      if (!res.headersSent) res.status(500).json(rpcError(-32603, 'Internal server error'));
      return;
    }
  }
  const sessionId = req.get('mcp-session-id');
  try {
    if (sessionId) {
      const session = sessions.get(sessionId);
      if (!session) return notFound(res);
      track(session, res);
      return await session.transport.handleRequest(req, res, req.body);
    }
    if (!isInitializeRequest(req.body)) {
      return res.status(400).json(rpcError(-32000, 'Bad Request: no valid session ID provided'));
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, inflight: 0, lastSeen: Date.now() });
        log('INFO', `session ${id} opened (${sessions.size} open)`);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId && sessions.delete(transport.sessionId)) {
        log('INFO', `session ${transport.sessionId} closed (${sessions.size} open)`);
      }
    };
    await buildServer().connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (err) {
    log('ERROR', 'error handling MCP request:', err);
    if (!res.headersSent) res.status(500).json(rpcError(-32603, 'Internal server error'));
  }
});

// GET opens the server-to-client SSE stream; DELETE ends the session.
const existingSession = async (req, res) => {
  if (STATELESS) return res.status(405).set('Allow', 'POST').json(rpcError(-32000, 'Method not allowed: stateless server'));
  const sessionId = req.get('mcp-session-id');
  if (!sessionId) return res.status(400).json(rpcError(-32000, 'Missing Mcp-Session-Id header'));
  const session = sessions.get(sessionId);
  if (!session) return notFound(res);
  track(session, res);
  try {
    await session.transport.handleRequest(req, res);
  } catch (err) {
    log('ERROR', `error handling ${req.method}:`, err);
    if (!res.headersSent) res.status(500).json(rpcError(-32603, 'Internal server error'));
  }
};
app.get('/mcp', existingSession);
app.delete('/mcp', existingSession);

function rpcError(code, message) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}
function notFound(res) {
  // 404 tells the client its session is gone and it should initialize again.
  return res.status(404).json(rpcError(-32001, 'Session not found'));
}

const sweeper = setInterval(() => {
  const cutoff = Date.now() - IDLE_TIMEOUT_MS;
  for (const [id, { transport, inflight, lastSeen }] of sessions) {
    if (inflight === 0 && lastSeen < cutoff) {
      log('INFO', `session ${id} idle, closing`);
      transport.close().catch(() => {});
    }
  }
}, Math.min(60_000, IDLE_TIMEOUT_MS));
sweeper.unref();

const httpServer = app.listen(PORT, '0.0.0.0', (err) => {
  if (err) {
    log('ERROR', 'failed to start:', err);
    process.exit(1);
  }
  log('INFO', `stream MCP server on http://0.0.0.0:${PORT}/mcp (host ${os.hostname()})`);
});

// As PID 1 in a container Node ignores SIGTERM unless it is handled.
async function shutdown(signal) {
  log('INFO', `${signal} received, shutting down`);
  await Promise.allSettled([...sessions.values()].map(({ transport }) => transport.close()));
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
