import crypto from 'node:crypto';
import express from 'express';
import type { SandboxContext } from '../core/context';
import type { FamilyModule } from '../http/server';
import { familyErrorBody } from '../http/errors';

/** One scripted answer of POST /v1/messages. */
export type ScriptedResponse =
  | {
      /** The message's content blocks, e.g. `[{type:'tool_use', name, input}]` or text blocks. */
      content: Array<Record<string, unknown>>;
      stop_reason?: string;
      model?: string;
      usage?: { input_tokens?: number; output_tokens?: number };
    }
  | {
      /** An error answer: 429 rate limit, 529 overloaded, 500 api error, 400, ... */
      status: number;
      type?: string;
      message?: string;
      retryAfterSeconds?: number;
    }
  /** Shorthand for one text block. */
  | { text: string };

export type RecordedRequest = {
  at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  /** Status the sandbox answered with. */
  status?: number;
};

const DEFAULT_TEXT =
  'This is a sandbox response from the scripted Anthropic API.';

const id = (prefix: string) =>
  `${prefix}_01${crypto
    .randomBytes(12)
    .toString('base64url')
    .replace(/[-_]/g, 'x')}`;

function estimateTokens(v: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(v ?? '').length / 4));
}

function error(
  res: express.Response,
  status: number,
  message: string,
  type?: string,
  headers: Record<string, string> = {},
) {
  res
    .status(status)
    .set({
      'request-id': id('req'),
      'x-should-retry': status >= 500 || status === 429 ? 'true' : 'false',
      ...headers,
    })
    .json(familyErrorBody('anthropic', status, message, { type }));
}

function normalizeBlock(b: Record<string, unknown>): Record<string, unknown> {
  if (b.type === 'tool_use')
    return {
      type: 'tool_use',
      id: b.id ?? id('toolu'),
      name: b.name,
      input: b.input ?? {},
    };
  if (b.type === 'text')
    return {
      type: 'text',
      text: String(b.text ?? ''),
      citations: b.citations ?? null,
    };
  return b;
}

/**
 * The Anthropic Messages API for tests: answers from a script queue
 * (`POST /_sandbox/anthropic/script`), records every request (`GET /_sandbox/anthropic/requests`).
 */
export function createAnthropicFamily(ctx: SandboxContext): FamilyModule & {
  script(responses: ScriptedResponse[], append?: boolean): void;
  requests(): RecordedRequest[];
} {
  let queue: ScriptedResponse[] = [];
  let recorded: RecordedRequest[] = [];

  ctx.controlRoutes.push(router => {
    router.post('/anthropic/script', (req, res) => {
      const responses = req.body?.responses;
      if (!Array.isArray(responses)) {
        res.status(400).json({ error: 'body must be {responses: [...]}' });
        return;
      }
      for (const r of responses) {
        const ok =
          r &&
          typeof r === 'object' &&
          (Array.isArray(r.content) ||
            typeof r.status === 'number' ||
            typeof r.text === 'string');
        if (!ok) {
          res.status(400).json({
            error: `each response needs content[], text or status: ${JSON.stringify(
              r,
            )}`,
          });
          return;
        }
      }
      queue = req.body?.append ? [...queue, ...responses] : [...responses];
      res.status(201).json({ queued: queue.length });
    });
    router.get('/anthropic/script', (_req, res) => {
      res.json({ responses: queue });
    });
    router.delete('/anthropic/script', (_req, res) => {
      queue = [];
      res.status(204).end();
    });
    router.get('/anthropic/requests', (_req, res) => {
      res.json({ items: recorded });
    });
    router.delete('/anthropic/requests', (_req, res) => {
      recorded = [];
      res.status(204).end();
    });
  });

  const router = express.Router();
  router.use(express.json({ limit: '32mb' }));

  router.use('/v1', (req, res, next) => {
    const key =
      req.header('x-api-key') ??
      /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    if (!key) {
      error(res, 401, 'x-api-key header is required', 'authentication_error');
      return;
    }
    if (key !== ctx.tokens.anthropic) {
      error(res, 401, 'invalid x-api-key', 'authentication_error');
      return;
    }
    if (!req.header('anthropic-version')) {
      error(
        res,
        400,
        'anthropic-version: header is required',
        'invalid_request_error',
      );
      return;
    }
    next();
  });

  router.get('/v1/models', (_req, res) => {
    res.set('request-id', id('req')).json({
      data: [
        {
          type: 'model',
          id: 'claude-sonnet-5-5',
          display_name: 'Claude Sonnet 5.5',
          created_at: '2025-09-29T00:00:00Z',
        },
        {
          type: 'model',
          id: 'claude-haiku-5-5',
          display_name: 'Claude Haiku 5.5',
          created_at: '2025-10-01T00:00:00Z',
        },
      ],
      has_more: false,
      first_id: 'claude-sonnet-5-5',
      last_id: 'claude-haiku-5-5',
    });
  });

  router.post('/v1/messages/count_tokens', (req, res) => {
    res.set('request-id', id('req')).json({
      input_tokens:
        estimateTokens(req.body?.messages) + estimateTokens(req.body?.system),
    });
  });

  router.post('/v1/messages', (req, res) => {
    const body = req.body ?? {};
    const entry: RecordedRequest = {
      at: new Date().toISOString(),
      method: req.method,
      path: req.path,
      headers: Object.fromEntries(
        Object.entries(req.headers)
          .filter(([k]) => k !== 'x-api-key' && k !== 'authorization')
          .map(([k, v]) => [k, String(v)]),
      ),
      body,
    };
    recorded.push(entry);
    if (recorded.length > 1000) recorded = recorded.slice(-1000);

    let invalid: string | undefined;
    if (typeof body.model !== 'string') invalid = 'model: Field required';
    else if (typeof body.max_tokens !== 'number')
      invalid = 'max_tokens: Field required';
    else if (!Array.isArray(body.messages) || !body.messages.length)
      invalid = 'messages: at least one message is required';
    if (invalid) {
      entry.status = 400;
      error(res, 400, invalid, 'invalid_request_error');
      return;
    }

    const next: ScriptedResponse = queue.shift() ?? { text: DEFAULT_TEXT };
    if ('status' in next) {
      entry.status = next.status;
      const headers: Record<string, string> = {};
      if (next.retryAfterSeconds !== undefined)
        headers['retry-after'] = String(next.retryAfterSeconds);
      const defaults: Record<number, string> = {
        429: 'Number of request tokens has exceeded your per-minute rate limit',
        529: 'Overloaded',
        500: 'Internal server error',
      };
      error(
        res,
        next.status,
        next.message ?? defaults[next.status] ?? 'Error',
        next.type,
        headers,
      );
      return;
    }
    const content = (
      'text' in next ? [{ type: 'text', text: next.text }] : next.content
    ).map(normalizeBlock);
    const message = {
      id: id('msg'),
      type: 'message',
      role: 'assistant',
      model: ('model' in next && next.model) || body.model,
      content,
      stop_reason:
        ('stop_reason' in next && next.stop_reason) ||
        (content.some(b => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      usage: {
        input_tokens:
          ('usage' in next && next.usage?.input_tokens) ||
          estimateTokens(body.messages) + estimateTokens(body.system),
        output_tokens:
          ('usage' in next && next.usage?.output_tokens) ||
          estimateTokens(content),
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        service_tier: 'standard',
      },
    };
    entry.status = 200;
    const requestId = id('req');
    if (!body.stream) {
      res.set('request-id', requestId).json(message);
      return;
    }
    // server-sent events like the real streaming API
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': requestId,
    });
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { ...message.usage, output_tokens: 1 },
      },
    });
    content.forEach((block, index) => {
      if (block.type === 'text') {
        send('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '' },
        });
        const text = String(block.text);
        for (let i = 0; i < text.length; i += 40)
          send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: text.slice(i, i + 40) },
          });
      } else if (block.type === 'tool_use') {
        send('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: {
            type: 'tool_use',
            id: block.id,
            name: block.name,
            input: {},
          },
        });
        send('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: {
            type: 'input_json_delta',
            partial_json: JSON.stringify(block.input),
          },
        });
      } else {
        send('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: block,
        });
      }
      send('content_block_stop', { type: 'content_block_stop', index });
    });
    send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: message.usage.output_tokens },
    });
    send('message_stop', { type: 'message_stop' });
    res.end();
  });

  router.use('/v1', (_req, res) => {
    error(res, 404, 'Not found', 'not_found_error');
  });

  return {
    family: 'anthropic',
    router,
    script(responses, append = false) {
      queue = append ? [...queue, ...responses] : [...responses];
    },
    requests: () => recorded,
  };
}
