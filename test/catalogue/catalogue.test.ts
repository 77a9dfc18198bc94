// The model catalogue is data a user relies on to pick a model and predict a bill: every entry must be
// internally consistent (frame fields exist in its schema, limits match its enums) and say where each
// fact came from; the sequence planner must bill exactly what the runs will be asked for.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, catalogueEntry, modelsForSameJob } from '../../src/catalogue.js';
import { ReplicateError } from '../../src/errors.js';
import { planTransitions, splitDuration } from '../../src/sequence-plan.js';

describe('the catalogue', () => {
  it('says where and when every entry was read, and gives a price or says it is unknown', () => {
    for (const entry of CATALOGUE) {
      expect(entry.source.length, entry.model).toBeGreaterThan(0);
      expect(entry.readOn, entry.model).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (entry.price.known) {
        expect(entry.price.tiers.length, entry.model).toBeGreaterThan(0);
        for (const tier of entry.price.tiers) expect(tier.usd, entry.model).toBeGreaterThan(0);
        expect(entry.price.source, entry.model).not.toBe('');
      } else {
        expect(entry.price.note, entry.model).toMatch(/\w/);
      }
    }
    expect(new Set(CATALOGUE.map((e) => e.model)).size).toBe(CATALOGUE.length);
  });

  it('has at least three first-last-frame video models on Replicate, and the adapters we ship', () => {
    const firstLast = CATALOGUE.filter(
      (e) => e.kind === 'video' && e.frames.kind === 'first-last' && e.status === 'public',
    );
    expect(firstLast.length).toBeGreaterThanOrEqual(3);
    expect(firstLast.map((e) => e.model)).toContain('kwaivgi/kling-v2.1');
    for (const model of ['fofr/frames-to-video', 'chigozienri/image-urls-to-video', 'fofr/skyreels-2']) {
      expect(catalogueEntry(model)?.frames.kind).toBe('list');
    }
    expect(catalogueEntry('fofr/skyreels-2')?.status).toBe('modelled');
    const images = CATALOGUE.filter((e) => e.kind === 'image').map((e) => e.model);
    expect(images).toEqual(expect.arrayContaining(['black-forest-labs/flux-schnell', 'black-forest-labs/flux-dev']));
    expect(images.length).toBeGreaterThanOrEqual(3);
  });

  it('names frame fields and duration fields that exist in each model’s own schema', () => {
    for (const entry of CATALOGUE) {
      const frames = entry.frames;
      if (frames.kind === 'first-last') {
        expect(entry.input[frames.startField], `${entry.model} ${frames.startField}`).toBeDefined();
        expect(entry.input[frames.endField], `${entry.model} ${frames.endField}`).toBeDefined();
        for (const [name, value] of Object.entries(frames.requires ?? {})) {
          expect(entry.input[name]?.values, `${entry.model} ${name}`).toContain(value);
        }
      }
      if (frames.kind === 'list') expect(entry.input[frames.field], entry.model).toBeDefined();
      const { durationField, durations } = entry.limits;
      if (durationField) {
        const field = entry.input[durationField];
        expect(field, `${entry.model} ${durationField}`).toBeDefined();
        if (Array.isArray(durations)) expect(field?.values).toEqual(durations);
      }
    }
  });

  it('suggests public models that do the same job, first-last-frame ones first', () => {
    const forSkyreels = modelsForSameJob('fofr/skyreels-2');
    expect(forSkyreels[0]).toBe('kwaivgi/kling-v2.1');
    expect(forSkyreels).toContain('fofr/frames-to-video');
    expect(forSkyreels).not.toContain('fofr/skyreels-2');
    const forKling = modelsForSameJob('kwaivgi/kling-v2.1:daad218f');
    expect(forKling).toContain('minimax/hailuo-02');
    expect(forKling).not.toContain('fofr/frames-to-video');
    expect(modelsForSameJob('black-forest-labs/flux-dev')).toContain('black-forest-labs/flux-schnell');
    expect(modelsForSameJob('someone/unknown')).toEqual([]);
  });
});

describe('planTransitions', () => {
  it('splits the duration over the transitions in the values the model allows', () => {
    expect(planTransitions('kwaivgi/kling-v2.1', { images: 4, totalSeconds: 30 })).toMatchObject({
      runs: 3,
      durations: [10, 10, 10],
      billedSeconds: 30,
      costUsd: 'unknown',
    });
    expect(planTransitions('kwaivgi/kling-v2.1', { images: 4, totalSeconds: 20 }).durations).toEqual([5, 5, 10]);
  });

  it('says when what will be billed differs from what was asked', () => {
    const plan = planTransitions('kwaivgi/kling-v2.1', { images: 4, totalSeconds: 12 });
    expect(plan.durations).toEqual([5, 5, 5]);
    expect(plan.billedSeconds).toBe(15);
    expect(plan.note).toMatch(/5\|10 s per run, so 3 runs last 15 s, not 12 s/);
    const hailuo = planTransitions('minimax/hailuo-02', { images: 3, totalSeconds: 15 });
    expect(hailuo.durations).toEqual([6, 10]); // 16 s is nearer 15 than 12 s
  });

  it('asks for a price instead of guessing, and uses one when given', () => {
    const unknown = planTransitions('kwaivgi/kling-v2.1', { images: 4, totalSeconds: 12 });
    expect(unknown.costUsd).toBe('unknown');
    expect(unknown.note).toMatch(/Pass a price/);
    const priced = planTransitions('kwaivgi/kling-v2.1', {
      images: 4,
      totalSeconds: 12,
      price: { unit: 'second', usd: 0.05 },
    });
    expect(priced.costUsd).toBe(0.75);
    expect(
      planTransitions('pixverse/pixverse-v4', { images: 3, totalSeconds: 10, price: { unit: 'run', usd: 0.3 } })
        .costUsd,
    ).toBe(0.6);
  });

  it('makes one run for list-of-images models, priced from the catalogue when it can', () => {
    expect(planTransitions('fofr/skyreels-2', { images: 4, totalSeconds: 7.5 })).toMatchObject({
      runs: 1,
      durations: [7],
      billedSeconds: 7,
      costUsd: 0.7,
    });
    expect(planTransitions('fofr/frames-to-video', { images: 4, totalSeconds: 7.5 })).toMatchObject({
      runs: 1,
      durations: [7.5],
      costUsd: 'unknown',
    });
  });

  it('rejects what it cannot plan with invalid_input and a reason', () => {
    const reasons: [() => unknown, RegExp][] = [
      [() => planTransitions('someone/unknown', { images: 3, totalSeconds: 10 }), /not a video model in the catalogue/],
      [() => planTransitions('black-forest-labs/flux-dev', { images: 3, totalSeconds: 10 }), /not a video model/],
      [() => planTransitions('kwaivgi/kling-v2.1', { images: 1, totalSeconds: 10 }), /at least 2 images/],
      [() => planTransitions('kwaivgi/kling-v2.1', { images: 3, totalSeconds: 0 }), /positive number/],
      [() => planTransitions('kwaivgi/kling-v2.1', { images: 3, totalSeconds: Number.NaN }), /positive number/],
      [() => planTransitions('kwaivgi/kling-v2.1', { images: 2.5, totalSeconds: 10 }), /whole number/],
    ];
    for (const [run, reason] of reasons) {
      try {
        run();
        throw new Error(`expected ${reason}`);
      } catch (error) {
        expect(error).toBeInstanceOf(ReplicateError);
        expect((error as ReplicateError).code).toBe('invalid_input');
        expect((error as Error).message).toMatch(reason);
      }
    }
  });

  it('always picks allowed values whose total is as near the request as any choice could be', () => {
    const allowed = fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        allowed,
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0.5, max: 60, noNaN: true }),
        (values, runs, total) => {
          const durations = splitDuration(values, runs, total);
          expect(durations).toHaveLength(runs);
          for (const d of durations) expect(values).toContain(d);
          // Brute force every choice: none is nearer the request.
          let nearest = Number.POSITIVE_INFINITY;
          const visit = (left: number, sum: number): void => {
            if (left === 0) nearest = Math.min(nearest, Math.abs(sum - total));
            else for (const v of values) visit(left - 1, sum + v);
          };
          visit(runs, 0);
          expect(Math.abs(durations.reduce((n, d) => n + d, 0) - total)).toBe(nearest);
        },
      ),
      { numRuns: 300 },
    );
  });
});
