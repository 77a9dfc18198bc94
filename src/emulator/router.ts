// The route table: every path the emulator answers, as data. A route names its handler and the
// request steps (pipeline.ts, steps.ts) that run before it; the admin API is rows of the same table.

import { ADMIN_ROUTES } from './admin.js';
import type { Handler } from './http.js';
import { compose, type Exchange, handle, type Middleware } from './pipeline.js';
import { getAccount, getWebhookSecret } from './routes/account.js';
import { getCollection, listCollections, search } from './routes/collections.js';
import {
  createDeployment,
  deleteDeployment,
  getDeployment,
  listDeployments,
  updateDeployment,
} from './routes/deployments.js';
import { createFile, deleteFile, downloadFile, getFile, listFiles } from './routes/files.js';
import {
  createModel,
  deleteModel,
  deleteVersion,
  getModel,
  getReadme,
  getVersion,
  listExamples,
  listHardware,
  listModels,
  listVersions,
  queryModels,
  updateModel,
} from './routes/models.js';
import { getOutput } from './routes/outputs.js';
import { cancelPrediction, createPrediction, getPrediction, listPredictions } from './routes/predictions.js';
import { cancelTraining, createTraining, getTraining, listTrainings } from './routes/trainings.js';
import { webPage } from './routes/web.js';
import { streamPrediction } from './sse.js';
import {
  authenticate,
  countRequest,
  injectFaults,
  logRequest,
  noticeKeyOnPublicRoute,
  rateLimit,
  uncounted,
} from './steps.js';
import type { RouteName } from './types.js';

export interface Route {
  methods: readonly string[];
  pattern: RegExp;
  /** Capture-group names, in order. */
  keys: readonly string[];
  /** Fixed params, e.g. which create flavour. */
  fixed?: Record<string, string>;
  name: RouteName | 'web' | 'admin';
  handler: Handler;
  /** The steps before the handler, composed once with it. */
  run: (exchange: Exchange) => Promise<void>;
}

/** API routes need a token and are rate limited. */
export const API_STEPS: readonly Middleware[] = [countRequest, logRequest, injectFaults, authenticate, rateLimit];
/** Output files and streams are public (their URLs are the secret), but faults still reach them. */
export const PUBLIC_STEPS: readonly Middleware[] = [countRequest, noticeKeyOnPublicRoute, logRequest, injectFaults];
/** The prediction's web page: public too, but not counted per route and never faulted. */
export const PAGE_STEPS: readonly Middleware[] = [noticeKeyOnPublicRoute, logRequest];
/** The control API: no auth, not counted, no faults (a test must always be able to clear them). */
export const ADMIN_STEPS: readonly Middleware[] = [uncounted];

const SEGMENT = '([^/]+)';

export interface RouteSpec {
  methods: string[];
  /** A path where `:seg` stands for one segment (a capture, named by `keys`). */
  path: string;
  name: Route['name'];
  handler: Handler;
  keys?: string[];
  fixed?: Record<string, string>;
  steps: readonly Middleware[];
}

export function route(spec: RouteSpec): Route {
  return {
    methods: spec.methods,
    pattern: new RegExp(`^${spec.path.replace(/:seg/g, SEGMENT)}$`),
    keys: spec.keys ?? [],
    name: spec.name,
    handler: spec.handler,
    run: compose([...spec.steps, handle]),
    ...(spec.fixed ? { fixed: spec.fixed } : {}),
  };
}

const apiRoute = (
  methods: string[],
  path: string,
  name: RouteName,
  handler: Handler,
  keys: string[] = [],
  fixed?: Record<string, string>,
): Route => route({ methods, path, name, handler, keys, steps: API_STEPS, ...(fixed ? { fixed } : {}) });

export const ROUTES: readonly Route[] = [
  apiRoute(['POST'], '/v1/models/:seg/:seg/predictions', 'predictions.create', createPrediction, ['owner', 'name'], {
    kind: 'model',
  }),
  apiRoute(
    ['POST'],
    '/v1/deployments/:seg/:seg/predictions',
    'predictions.create',
    createPrediction,
    ['owner', 'name'],
    { kind: 'deployment' },
  ),
  apiRoute(['POST'], '/v1/predictions', 'predictions.create', createPrediction, [], { kind: 'version' }),
  apiRoute(['GET'], '/v1/predictions', 'predictions.list', listPredictions),
  apiRoute(['GET'], '/v1/predictions/:seg', 'predictions.get', getPrediction, ['id']),
  apiRoute(['POST'], '/v1/predictions/:seg/cancel', 'predictions.cancel', cancelPrediction, ['id']),
  apiRoute(['GET'], '/v1/models', 'models.list', listModels),
  apiRoute(['POST'], '/v1/models', 'models.create', createModel),
  apiRoute(['QUERY'], '/v1/models', 'models.search', queryModels),
  apiRoute(['GET'], '/v1/models/:seg/:seg', 'models.get', getModel, ['owner', 'name']),
  apiRoute(['PATCH'], '/v1/models/:seg/:seg', 'models.update', updateModel, ['owner', 'name']),
  apiRoute(['DELETE'], '/v1/models/:seg/:seg', 'models.delete', deleteModel, ['owner', 'name']),
  apiRoute(['GET'], '/v1/models/:seg/:seg/examples', 'models.examples', listExamples, ['owner', 'name']),
  apiRoute(['GET'], '/v1/models/:seg/:seg/readme', 'models.readme', getReadme, ['owner', 'name']),
  apiRoute(['GET'], '/v1/models/:seg/:seg/versions', 'models.versions', listVersions, ['owner', 'name']),
  apiRoute(['GET'], '/v1/models/:seg/:seg/versions/:seg', 'models.versions.get', getVersion, [
    'owner',
    'name',
    'version',
  ]),
  apiRoute(['DELETE'], '/v1/models/:seg/:seg/versions/:seg', 'models.versions.delete', deleteVersion, [
    'owner',
    'name',
    'version',
  ]),
  apiRoute(['POST'], '/v1/models/:seg/:seg/versions/:seg/trainings', 'trainings.create', createTraining, [
    'owner',
    'name',
    'version',
  ]),
  apiRoute(['GET'], '/v1/trainings', 'trainings.list', listTrainings),
  apiRoute(['GET'], '/v1/trainings/:seg', 'trainings.get', getTraining, ['id']),
  apiRoute(['POST'], '/v1/trainings/:seg/cancel', 'trainings.cancel', cancelTraining, ['id']),
  apiRoute(['GET'], '/v1/deployments', 'deployments.list', listDeployments),
  apiRoute(['POST'], '/v1/deployments', 'deployments.create', createDeployment),
  apiRoute(['GET'], '/v1/deployments/:seg/:seg', 'deployments.get', getDeployment, ['owner', 'name']),
  apiRoute(['PATCH'], '/v1/deployments/:seg/:seg', 'deployments.update', updateDeployment, ['owner', 'name']),
  apiRoute(['DELETE'], '/v1/deployments/:seg/:seg', 'deployments.delete', deleteDeployment, ['owner', 'name']),
  apiRoute(['GET'], '/v1/collections', 'collections.list', listCollections),
  apiRoute(['GET'], '/v1/collections/:seg', 'collections.get', getCollection, ['slug']),
  apiRoute(['GET'], '/v1/search', 'search', search),
  apiRoute(['POST'], '/v1/files', 'files.create', createFile),
  apiRoute(['GET'], '/v1/files', 'files.list', listFiles),
  apiRoute(['GET'], '/v1/files/:seg', 'files.get', getFile, ['id']),
  apiRoute(['DELETE'], '/v1/files/:seg', 'files.delete', deleteFile, ['id']),
  apiRoute(['GET'], '/v1/files/:seg/download', 'files.download', downloadFile, ['id']),
  apiRoute(['GET'], '/v1/account', 'account.get', getAccount),
  apiRoute(['GET'], '/v1/hardware', 'hardware.list', listHardware),
  apiRoute(['GET'], '/v1/webhooks/default/secret', 'webhooks.secret', getWebhookSecret),
  route({
    methods: ['GET', 'HEAD'],
    // `/delivery/<id>/out-<i>.<ext>`, or `/delivery/<id>/<a|b|...>/out-0.<ext>` (Scenario.sharedBaseName).
    path: '/delivery/:seg/(?:([a-z])/)?out-(\\d+)\\.[a-z0-9]+',
    name: 'outputs.get',
    handler: getOutput,
    keys: ['id', 'folder', 'index'],
    steps: PUBLIC_STEPS,
  }),
  route({
    methods: ['GET'],
    path: '/stream/:seg',
    name: 'stream',
    handler: streamPrediction,
    keys: ['id'],
    steps: PUBLIC_STEPS,
  }),
  route({ methods: ['GET'], path: '/p/:seg', name: 'web', handler: webPage, keys: ['id'], steps: PAGE_STEPS }),
  ...ADMIN_ROUTES.map((spec) => route({ ...spec, name: 'admin', steps: ADMIN_STEPS })),
];

export type RouteMatch = { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;

/** The route for `method path`; or the methods the path allows (→ 405); or undefined (→ 404). */
export function matchRoute(method: string, path: string, routes: readonly Route[] = ROUTES): RouteMatch {
  const allowed: string[] = [];
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (!r.methods.includes(method)) {
      allowed.push(...r.methods);
      continue;
    }
    const params: Record<string, string> = { ...r.fixed };
    r.keys.forEach((key, i) => {
      const raw = m[i + 1];
      if (raw === undefined) return; // an optional part the path did not have
      try {
        params[key] = decodeURIComponent(raw);
      } catch {
        params[key] = raw; // a malformed %-escape simply matches nothing
      }
    });
    return { route: r, params };
  }
  return allowed.length > 0 ? { allowed } : undefined;
}
