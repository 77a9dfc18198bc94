// Server-sent events on urls.stream: logs, output, error and done events with resumable ids.

import { describe, expect, test } from 'vitest';
import { api, createFlux, SLOW, start } from './helpers.js';

interface Event {
  event: string;
  id: string;
  data: string;
}

function parseEvents(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('event:'))
    .map((block) => {
      const lines = block.split('\n');
      const field = (name: string) =>
        lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
      return { event: field('event')[0]!, id: field('id')[0]!, data: field('data').join('\n') };
    });
}

describe('SSE streams', () => {
  test('a finished prediction replays its logs, outputs and done, without auth', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x', num_outputs: 2 } },
      headers: { prefer: 'wait' },
    });
    const p = (await res.json()) as { urls: { stream: string }; output: string[] };
    expect(p.urls.stream).toMatch(new RegExp(`^${emu.url}/stream/`));
    const stream = await fetch(p.urls.stream, { headers: { accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const events = parseEvents(await stream.text());
    expect(events.filter((e) => e.event === 'output').map((e) => e.data)).toEqual(p.output);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: '{}' });
    expect(events.every((e, i) => new RegExp(`^\\d+:${i}$`).test(e.id))).toBe(true);
    expect(events[0]!.event).toBe('logs');
  });

  test('a live stream delivers events as the clock moves and ends with done', async () => {
    await using emu = await start(SLOW);
    const p = await createFlux(emu);
    const res = await fetch(p.urls.stream);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += value;
      }
    };
    emu.advanceClock(10_000);
    await readUntil('Using seed');
    expect(text).not.toContain('event: output');
    emu.advanceClock(20_000);
    await readUntil('event: done');
    const events = parseEvents(text);
    expect(events.filter((e) => e.event === 'output')).toHaveLength(1);
    expect((await reader.read()).done).toBe(true);
  });

  test('a failed prediction streams an error event, then done with reason error', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: '[emulator:fail=boom]' } },
      headers: { prefer: 'wait' },
    });
    const p = (await res.json()) as { urls: { stream: string } };
    const events = parseEvents(await (await fetch(p.urls.stream)).text());
    const error = events.find((e) => e.event === 'error')!;
    expect(JSON.parse(error.data)).toEqual({ detail: 'boom' });
    expect(events.at(-1)).toMatchObject({ event: 'done', data: '{"reason":"error"}' });
  });

  test('a canceled prediction ends with done reason canceled', async () => {
    await using emu = await start(SLOW);
    const p = await createFlux(emu);
    await api(emu, `/predictions/${p.id}/cancel`, { method: 'POST' });
    const events = parseEvents(await (await fetch(p.urls.stream)).text());
    expect(events).toEqual([expect.objectContaining({ event: 'done', data: '{"reason":"canceled"}' })]);
  });

  test('Last-Event-ID resumes after the last event seen', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
      headers: { prefer: 'wait' },
    });
    const p = (await res.json()) as { urls: { stream: string } };
    const all = parseEvents(await (await fetch(p.urls.stream)).text());
    const resumed = parseEvents(
      await (await fetch(p.urls.stream, { headers: { 'last-event-id': all[2]!.id } })).text(),
    );
    expect(resumed).toEqual(all.slice(3));
  });

  test('a stream ends after 30 s of emulator time with a :408 comment, and unknown ids are 404', async () => {
    await using emu = await start(SLOW);
    emu.addScenario({ startMs: 1_000, predictMs: 100_000 });
    const p = await createFlux(emu);
    const res = await fetch(p.urls.stream);
    emu.advanceClock(30_000);
    const text = await res.text();
    expect(text).toContain('Using seed');
    expect(text.trimEnd().endsWith(':408')).toBe(true);
    expect(text).not.toContain('event: done');
    expect((await fetch(`${emu.url}/stream/unknown`)).status).toBe(404);
  });
});
