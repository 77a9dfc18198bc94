// Account and webhook-secret routes.

import { type Handler, json } from '../http.js';

export const getAccount: Handler = () =>
  json(200, {
    type: 'user',
    username: 'emulator',
    name: 'Replicate Emulator',
    github_url: 'https://github.com/replicate',
  });

export const getWebhookSecret: Handler = (ctx) => json(200, { key: ctx.state.webhookSecret });
