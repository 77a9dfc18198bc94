// Collections (curated lists of models) and search over models, collections and docs pages. The
// emulator's collections group its own models by what they make.

import { type Handler, json } from '../http.js';
import type { ModelEntry } from '../models.js';
import { fail } from '../problem.js';
import type { EmulatorState } from '../state.js';
import { modelJson, searchModels } from './models.js';

interface CollectionSpec {
  slug: string;
  name: string;
  description: string;
  includes: (entry: ModelEntry) => boolean;
}

const makesImages = (entry: ModelEntry) => {
  const spec = entry.versions[0]?.spec;
  return spec?.makes === 'image' || (spec?.makes === undefined && spec?.output.type === 'array');
};

export const COLLECTIONS: readonly CollectionSpec[] = [
  {
    slug: 'text-to-image',
    name: 'Text to image',
    description: 'Models that generate images from text prompts',
    includes: makesImages,
  },
  {
    slug: 'image-to-video',
    name: 'Image to video',
    description: 'Models that make videos from images',
    includes: (entry) => entry.versions.length > 0 && !makesImages(entry),
  },
];

function collectionItem(c: CollectionSpec) {
  return { name: c.name, slug: c.slug, description: c.description };
}

function members(state: EmulatorState, c: CollectionSpec): ModelEntry[] {
  return state.models.list().filter((m) => m.visibility === 'public' && c.includes(m));
}

export const listCollections: Handler = () =>
  json(200, { next: null, previous: null, results: COLLECTIONS.map(collectionItem) });

export const getCollection: Handler = (ctx) => {
  const collection = COLLECTIONS.find((c) => c.slug === ctx.params.slug);
  if (!collection) fail(404, `Collection ${ctx.params.slug} not found`);
  return json(200, {
    ...collectionItem(collection),
    full_description: null,
    models: members(ctx.state, collection).map((m) => modelJson(ctx.state, m)),
  });
};

/** `GET /v1/search?query=...&limit=N` (1-50, default 20): models with metadata, collections, docs pages. */
export const search: Handler = (ctx) => {
  const query = ctx.url.searchParams.get('query');
  if (query === null || query.trim() === '') fail(400, 'query: required (the search text)');
  const limitText = ctx.url.searchParams.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) fail(400, 'limit: must be a whole number from 1 to 50');
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (text: string) => words.some((w) => text.toLowerCase().includes(w));
  return json(200, {
    query,
    models: searchModels(ctx.state, query)
      .slice(0, limit)
      .map(({ entry, score }) => ({
        model: modelJson(ctx.state, entry),
        metadata: { generated_description: entry.description, tags: [], score },
      })),
    collections: COLLECTIONS.filter((c) => matches(`${c.name} ${c.description}`)).map(collectionItem),
    pages: [],
  });
};
