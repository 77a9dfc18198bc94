// Model routes: the model object (with its latest version's `openapi_schema`) and its versions.

import { type Handler, json, pathParam, type RequestContext } from '../http.js';
import { type ModelSpec, modelName, VERSION_CREATED_AT, versionId } from '../models.js';
import { fail } from '../problem.js';
import { toOpenApiSchema } from '../schema.js';

function findOr404(ctx: RequestContext): ModelSpec {
  const model = ctx.state.models.find(pathParam(ctx, 'owner'), pathParam(ctx, 'name'));
  if (!model) fail(404, `Model ${ctx.params.owner}/${ctx.params.name} not found`);
  return model;
}

export function versionJson(model: ModelSpec): Record<string, unknown> {
  return {
    id: versionId(model),
    created_at: VERSION_CREATED_AT,
    cog_version: '0.9.0',
    openapi_schema: toOpenApiSchema(model.input, model.output),
  };
}

function modelJson(ctx: RequestContext, model: ModelSpec): Record<string, unknown> {
  const runs = ctx.state.predictions.newestFirst().filter((r) => r.model === model).length;
  return {
    url: `${ctx.state.origin}/${modelName(model)}`,
    owner: model.owner,
    name: model.name,
    description: model.description,
    visibility: 'public',
    github_url: null,
    paper_url: null,
    license_url: null,
    run_count: runs,
    cover_image_url: null,
    default_example: null,
    is_official: model.official,
    latest_version: versionJson(model),
  };
}

export const getModel: Handler = (ctx) => json(200, modelJson(ctx, findOr404(ctx)));

/** Every model the emulator serves, on one page. */
export const listModels: Handler = (ctx) =>
  json(200, { next: null, previous: null, results: ctx.state.models.all.map((m) => modelJson(ctx, m)) });

/** The hardware Replicate lists; the emulator runs everything on none of it. */
export const listHardware: Handler = () =>
  json(200, [
    { name: 'CPU', sku: 'cpu' },
    { name: 'Nvidia T4 GPU', sku: 'gpu-t4' },
    { name: 'Nvidia L40S GPU', sku: 'gpu-l40s' },
    { name: 'Nvidia A100 (80GB) GPU', sku: 'gpu-a100-large' },
    { name: 'Nvidia H100 GPU', sku: 'gpu-h100' },
  ]);

export const listVersions: Handler = (ctx) => {
  const model = findOr404(ctx);
  return json(200, { next: null, previous: null, results: [versionJson(model)] });
};
