// Account and webhook-secret routes.

import { type Handler, json } from '../http.js';

/** The account every token belongs to; it owns the models and deployments created through the API. */
export const ACCOUNT = {
  type: 'user',
  username: 'emulator',
  name: 'Replicate Emulator',
  github_url: 'https://github.com/replicate',
} as const;

export const getAccount: Handler = () => json(200, ACCOUNT);

export const getWebhookSecret: Handler = (ctx) => json(200, { key: ctx.state.webhookSecret });
