// Files API routes: multipart upload, list, get, delete, download.

import { fileJson, MAX_FILE_BYTES, type StoredFile } from '../files.js';
import { type Handler, json, pathParam, type RequestContext } from '../http.js';
import { boundaryOf, parseMultipart } from '../multipart.js';
import { fail } from '../problem.js';
import { makeFileId } from '../random.js';

export const createFile: Handler = async (ctx) => {
  const { state } = ctx;
  const boundary = boundaryOf(ctx.req.headers['content-type']);
  if (!boundary) fail(415, 'POST /v1/files takes multipart/form-data with a `content` part');
  const body = await ctx.body(MAX_FILE_BYTES + 64 * 1024);
  let parts: ReturnType<typeof parseMultipart>;
  try {
    parts = parseMultipart(body, boundary);
  } catch (error) {
    fail(400, `Malformed multipart body: ${error instanceof Error ? error.message : String(error)}`);
  }
  const content = parts.find((p) => p.name === 'content');
  if (!content)
    fail(422, 'content: required (the file, as a multipart part named "content")', {
      invalid_fields: [{ type: 'required', field: 'content', description: 'content is required' }],
    });
  if (content.data.length > MAX_FILE_BYTES) fail(413, 'Files must be less than 100MB in size');
  const filenamePart = parts.find((p) => p.name === 'filename')?.data.toString('utf8');
  const filename = filenamePart ?? content.filename ?? 'file';
  if (Buffer.byteLength(filename) > 255) fail(422, 'filename: must be at most 255 bytes');
  const typePart = parts.find((p) => p.name === 'type')?.data.toString('utf8');
  const contentType = typePart ?? content.contentType ?? 'application/octet-stream';
  let metadata: Record<string, unknown> = {};
  const metadataPart = parts.find((p) => p.name === 'metadata');
  if (metadataPart) {
    try {
      const parsed: unknown = JSON.parse(metadataPart.data.toString('utf8') || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      metadata = parsed as Record<string, unknown>;
    } catch {
      fail(422, 'metadata: must be a JSON object');
    }
  }
  const file = state.files.add({
    id: makeFileId(state.random),
    filename,
    contentType,
    data: content.data,
    metadata,
    createdAtMs: state.now(),
  });
  return json(201, fileJson(file, state.apiUrl));
};

function findFile(ctx: RequestContext): StoredFile {
  const file = ctx.state.files.get(pathParam(ctx, 'id'), ctx.state.now());
  if (!file) fail(404, `File ${ctx.params.id} not found`);
  return file;
}

export const listFiles: Handler = (ctx) =>
  json(200, {
    next: null,
    previous: null,
    results: ctx.state.files.list(ctx.state.now()).map((f) => fileJson(f, ctx.state.apiUrl)),
  });

export const getFile: Handler = (ctx) => json(200, fileJson(findFile(ctx), ctx.state.apiUrl));

export const deleteFile: Handler = (ctx) => {
  findFile(ctx);
  ctx.state.files.delete(pathParam(ctx, 'id'), ctx.state.now());
  return { kind: 'body', status: 204 };
};

export const downloadFile: Handler = (ctx) => {
  const file = findFile(ctx);
  return {
    kind: 'body',
    status: 200,
    headers: {
      'content-type': file.contentType,
      'content-disposition': `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`,
    },
    body: file.data,
  };
};
