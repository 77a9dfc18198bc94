// The webhook handler's shared de-duplication (`deliveries`): two instances behind one ledger hand a
// delivery to exactly one of them; a failed handling is forgotten, so the retry is handled again.

import { describe, expect, test } from 'vitest';
import { signWebhook } from '../../src/emulator/index.js';
import { createWebhookHandler, type DeliveryLedger, type Prediction } from '../../src/index.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const prediction = { id: 'p1', status: 'succeeded', input: {}, output: null, created_at: new Date().toISOString() };

/** A ledger like a shared journal store's: one set of ids for every instance. */
function sharedLedger(): DeliveryLedger & { ids: Set<string>; fail?: boolean } {
  const ids = new Set<string>();
  const ledger = {
    ids,
    fail: false,
    async markDelivered(id: string) {
      if (ledger.fail) throw new Error('the database is unreachable');
      if (ids.has(id)) return false;
      ids.add(id);
      return true;
    },
    async forgetDelivery(id: string) {
      ids.delete(id);
    },
  };
  return ledger;
}

function delivery(id: string): Request {
  const body = JSON.stringify(prediction);
  const ts = Math.floor(Date.now() / 1000);
  return new Request('http://127.0.0.1/hook', {
    method: 'POST',
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signWebhook(SECRET, id, ts, body),
    },
    body,
  });
}

describe('shared delivery de-duplication', () => {
  test('two instances sharing a ledger: one handles, the other answers duplicate', async () => {
    const ledger = sharedLedger();
    const seen: string[] = [];
    const instance = (name: string) =>
      createWebhookHandler({
        secret: SECRET,
        deliveries: ledger,
        onPrediction: (p: Prediction) => {
          seen.push(`${name}:${p.id}`);
        },
      });
    const [a, b] = [instance('a'), instance('b')];
    const first = await a(delivery('msg_1'));
    const second = await b(delivery('msg_1'));
    expect(first.status).toBe(200);
    expect(await second.json()).toEqual({ ok: true, duplicate: true });
    expect(seen).toEqual(['a:p1']);
  });

  test('a failed handling is forgotten, so the retry on another instance is handled', async () => {
    const ledger = sharedLedger();
    const seen: string[] = [];
    const failing = createWebhookHandler({
      secret: SECRET,
      deliveries: ledger,
      onPrediction: () => {
        throw new Error('disk full');
      },
    });
    const healthy = createWebhookHandler({
      secret: SECRET,
      deliveries: ledger,
      onPrediction: (p: Prediction) => {
        seen.push(p.id);
      },
    });
    expect((await failing(delivery('msg_2'))).status).toBe(500);
    expect(ledger.ids.has('msg_2')).toBe(false);
    expect((await healthy(delivery('msg_2'))).status).toBe(200);
    expect(seen).toEqual(['p1']);
  });

  test('an unreachable ledger answers 500 (retried later) and calls nothing', async () => {
    const ledger = sharedLedger();
    ledger.fail = true;
    const seen: string[] = [];
    const handler = createWebhookHandler({
      secret: SECRET,
      deliveries: ledger,
      onPrediction: (p: Prediction) => {
        seen.push(p.id);
      },
    });
    expect((await handler(delivery('msg_3'))).status).toBe(500);
    expect(seen).toEqual([]);
  });
});
