// `urls.web`: a minimal page per prediction, so the link in every prediction object leads somewhere.

import { type Handler, pathParam } from '../http.js';
import { fail } from '../problem.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

export const webPage: Handler = (ctx) => {
  const record = ctx.state.predictions.get(pathParam(ctx, 'id'));
  if (!record) fail(404, `Prediction ${ctx.params.id} not found`);
  const json = ctx.state.predictionJson(record);
  const body = `<!doctype html><meta charset="utf-8"><title>Prediction ${escapeHtml(record.id)}</title><h1>Prediction ${escapeHtml(record.id)}</h1><pre>${escapeHtml(JSON.stringify(json, null, 2))}</pre>`;
  return { kind: 'body', status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
};
