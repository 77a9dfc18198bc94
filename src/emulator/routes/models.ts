// Model routes: the model object (with its latest version's `openapi_schema`) and its versions.

import { json, type Handler, type RequestContext } from '../http.js';
import { VERSION_CREATED_AT, modelName, versionId, type ModelSpec } from '../models.js';
import { fail } from '../problem.js';
import { toOpenApiSchema } from '../schema.js';

function findOr404(ctx: RequestContext): ModelSpec {
  const model = ctx.state.models.find(ctx.params.owner!, ctx.params.name!);
  if (!model) fail(404, `Model ${ctx.params.owner}/${ctx.params.name} not found`);
  return model;
}

export function versionJson(model: ModelSpec): Record<string, unknown> {
  return { id: versionId(model), created_at: VERSION_CREATED_AT, cog_version: '0.9.0', openapi_schema: toOpenApiSchema(model.input, model.output) };
}

export const getModel: Handler = (ctx) => {
  const model = findOr404(ctx);
  const runs = ctx.state.predictions.newestFirst().filter((r) => r.model === model).length;
  return json(200, {
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
  });
};

export const listVersions: Handler = (ctx) => {
  const model = findOr404(ctx);
  return json(200, { next: null, previous: null, results: [versionJson(model)] });
};
