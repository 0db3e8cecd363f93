/** Building the requests an adapter sends: raw-field merging, multipart forms, the status request. */
import type { GatewayId } from '../catalog/index.js';
import { KlingValidationError } from '../errors.js';
import { asObject, type Json } from './read.js';
import type { TaskLocation, UploadFile, WireRequest } from './types.js';

/**
 * Adds a caller's raw fields (`providerOptions.<gateway>`) to a wire body. Objects named in `nested`
 * merge one level down (`klingParams`, `model_params`); a key the SDK already mapped is an error.
 */
export function mergeRawFields(
  gateway: GatewayId,
  body: Json,
  raw: Record<string, unknown> | undefined,
  nested: readonly string[] = [],
): Json {
  if (raw === undefined) return body;
  const merged: Json = { ...body };
  const collisions: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const mine = asObject(merged[key]);
    const theirs = asObject(value);
    if (nested.includes(key) && theirs !== undefined && (mine !== undefined || merged[key] === undefined)) {
      const inner: Json = { ...(mine ?? {}) };
      for (const [innerKey, innerValue] of Object.entries(theirs)) {
        if (innerKey in inner) collisions.push(`${key}.${innerKey}`);
        else inner[innerKey] = innerValue;
      }
      merged[key] = inner;
    } else if (key in merged) collisions.push(key);
    else merged[key] = value;
  }
  if (collisions.length > 0) {
    throw new KlingValidationError(
      collisions.map((key) => ({
        path: ['providerOptions', gateway, ...key.split('.')],
        message: 'collides with a field the SDK maps from the request; set it through the request instead',
      })),
    );
  }
  return merged;
}

/** A multipart form carrying `file` under `field`, after any plain text fields. */
export function multipartForm(
  file: UploadFile,
  field: string,
  fields: Record<string, string> = {},
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(field, new Blob([file.bytes], { type: file.contentType }), file.filename);
  return form;
}

/** The status request every gateway uses: GET on the status path with the task id filled in. */
export function statusRequestByPath(id: string, { paths }: TaskLocation): WireRequest {
  return { method: 'GET', path: paths.status.replace('{id}', encodeURIComponent(id)), headers: {} };
}
