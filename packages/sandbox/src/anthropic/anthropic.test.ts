import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic, { APIError, RateLimitError } from '@anthropic-ai/sdk';
import { SandboxContext } from '../core/context';
import { startFamilyServer, type FamilyServer } from '../http/server';
import { createAnthropicFamily } from '.';

describe('anthropic family (contract: @anthropic-ai/sdk)', () => {
  let dir: string;
  let ctx: SandboxContext;
  let srv: FamilyServer;
  let client: Anthropic;

  const script = async (responses: unknown[]) => {
    const res = await fetch(`${srv.url}/_sandbox/anthropic/script`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ responses }),
    });
    expect(res.status).toBe(201);
  };
  const ask = (content: string, extra: Record<string, unknown> = {}) =>
    client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 512,
      messages: [{ role: 'user', content }],
      ...extra,
    } as any);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-anthropic-'));
    ctx = new SandboxContext({
      dataDir: dir,
      seed: false,
      logger: { info() {}, warn() {}, error() {} },
    });
    srv = await startFamilyServer(
      ctx,
      createAnthropicFamily(ctx),
      0,
      '127.0.0.1',
    );
    client = new Anthropic({
      apiKey: 'sandbox-anthropic-key',
      baseURL: srv.url,
      maxRetries: 0,
    });
  });

  afterAll(async () => {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await fetch(`${srv.url}/_sandbox/anthropic/requests`, { method: 'DELETE' });
    await fetch(`${srv.url}/_sandbox/anthropic/script`, { method: 'DELETE' });
  });

  it('returns a scripted tool_use block', async () => {
    await script([
      {
        content: [
          { type: 'text', text: 'Let me classify this incident.' },
          {
            type: 'tool_use',
            name: 'report_cause',
            input: { cause: 'OOMKilled', confidence: 0.9 },
          },
        ],
      },
    ]);
    const msg = await ask('Why is checkout-prod degraded?', {
      tools: [
        {
          name: 'report_cause',
          description: 'x',
          input_schema: { type: 'object' },
        },
      ],
    });
    expect(msg.id).toMatch(/^msg_/);
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.model).toBe('claude-sonnet-5-5');
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    const tool = msg.content.find(b => b.type === 'tool_use');
    expect(tool).toMatchObject({
      name: 'report_cause',
      input: { cause: 'OOMKilled', confidence: 0.9 },
    });
    expect((tool as any).id).toMatch(/^toolu_/);
  });

  it('returns malformed JSON text as given and a default answer when the queue is empty', async () => {
    await script([{ content: [{ type: 'text', text: '{"cause": "OOM", ' }] }]);
    const bad = await ask('json please');
    expect(bad.stop_reason).toBe('end_turn');
    expect(bad.content[0]).toMatchObject({
      type: 'text',
      text: '{"cause": "OOM", ',
    });
    expect(() => JSON.parse((bad.content[0] as any).text)).toThrow();
    const dflt = await ask('anything');
    expect(dflt.content[0]).toMatchObject({
      type: 'text',
      text: expect.stringContaining('sandbox'),
    });
  });

  it('surfaces 429 as RateLimitError with retry-after and request-id', async () => {
    await script([{ status: 429, retryAfterSeconds: 7 }]);
    const err = await ask('hi').catch(e => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.status).toBe(429);
    expect(err.headers.get('retry-after')).toBe('7');
    expect(err.requestID).toMatch(/^req_/);
    expect(err.error).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error' },
    });
  });

  it('surfaces 529 as an overloaded APIError and 500 as api_error', async () => {
    await script([{ status: 529 }, { status: 500 }]);
    const err = await ask('hi').catch(e => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err.status).toBe(529);
    expect(err.error.error.type).toBe('overloaded_error');
    const err500 = await ask('hi').catch(e => e);
    expect(err500.status).toBe(500);
    expect(err500.error.error.type).toBe('api_error');
  });

  it('records request bodies so tests can assert what a prompt contained', async () => {
    await ask('pod log: password=[REDACTED] token=[REDACTED]', {
      system: 'You are an SRE assistant.',
    });
    const res = await fetch(`${srv.url}/_sandbox/anthropic/requests`);
    const { items } = await res.json();
    expect(items).toHaveLength(1);
    expect(items[0].body.system).toBe('You are an SRE assistant.');
    expect(items[0].body.messages[0].content).toContain('[REDACTED]');
    expect(items[0].headers['anthropic-version']).toEqual(expect.any(String));
    expect(items[0].headers['x-api-key']).toBeUndefined();
  });

  it('streams scripted content as server-sent events', async () => {
    await script([
      {
        content: [
          { type: 'text', text: 'streamed answer' },
          { type: 'tool_use', name: 't', input: { a: 1 } },
        ],
      },
    ]);
    const stream = client.messages.stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({
      type: 'text',
      text: 'streamed answer',
    });
    expect(final.content[1]).toMatchObject({
      type: 'tool_use',
      name: 't',
      input: { a: 1 },
    });
    expect(final.stop_reason).toBe('tool_use');
  });

  it('rejects a wrong key and a missing anthropic-version', async () => {
    const wrong = new Anthropic({
      apiKey: 'nope',
      baseURL: srv.url,
      maxRetries: 0,
    });
    const err = await wrong.messages
      .create({
        model: 'm',
        max_tokens: 1,
        messages: [{ role: 'user', content: 'x' }],
      })
      .catch(e => e);
    expect(err.status).toBe(401);
    expect(err.error.error.type).toBe('authentication_error');
    const raw = await fetch(`${srv.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': 'sandbox-anthropic-key',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'm',
        max_tokens: 1,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    expect(raw.status).toBe(400);
  });

  it('injected faults reach the SDK', async () => {
    await fetch(`${srv.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        family: 'anthropic',
        kind: 'overloaded',
        durationSeconds: 30,
      }),
    });
    const err = await ask('hi').catch(e => e);
    expect(err.status).toBe(529);
    await fetch(`${srv.url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await ask('hi')).type).toBe('message');
  });
});
