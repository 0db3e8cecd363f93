/**
 * Uploads through the gateway's upload API: one file (`KlingClient.upload`), or a request's local
 * images at submit time. Whether the gateway has an upload API is the adapter's to say, alone (a test
 * keeps the catalog's `uploads` flag in agreement with it).
 */
import { CAPABILITIES, GATEWAYS, type GatewayId } from '../catalog/index.js';
import { KlingUnsupportedError } from '../errors.js';
import type { GatewayAdapter } from '../gateways/index.js';
import type { Exchange } from '../http/exchange.js';
import type { ResolvedVideoRequest } from '../request/index.js';
import {
  findLocalMedia,
  type ImageTarget,
  type PreparedFile,
  prepareAll,
  prepareFile,
  type UploadOptions,
  type UploadResult,
  withUploadedUrls,
} from './local-images.js';
import type { Logger, SubmitOptions } from './types.js';

/** An adapter whose gateway has an upload API. */
type Uploader = GatewayAdapter & Required<Pick<GatewayAdapter, 'uploadRequest' | 'parseUpload'>>;

export class Uploads {
  constructor(
    private readonly gateway: GatewayId,
    private readonly adapter: GatewayAdapter,
    private readonly http: Exchange,
    private readonly logger: Logger,
  ) {}

  /** Uploads one local image (a path or the bytes) and returns its URL. */
  async upload(file: string | Uint8Array, options: UploadOptions): Promise<UploadResult> {
    const uploader = this.#uploader('upload');
    const prepared = await prepareFile(file, ['file'], this.#imageTarget(), options);
    return this.#uploadPrepared(uploader, prepared, options);
  }

  /** What a local image must be for this gateway (type, size, pixels): `CAPABILITIES[gateway].images`. */
  #imageTarget(): ImageTarget {
    return { gateway: this.gateway, rules: CAPABILITIES[this.gateway].images };
  }

  /** The adapter, where it has an upload API (the adapter alone decides); else `KlingUnsupportedError`. */
  #uploader(field: string): Uploader {
    const adapter = this.adapter;
    if (adapter.uploadRequest === undefined || adapter.parseUpload === undefined) {
      throw new KlingUnsupportedError(
        this.gateway,
        field,
        `${CAPABILITIES[this.gateway].uploadsNotWired ?? `${GATEWAYS[this.gateway].vendor} has no upload API`}: pass images as http(s) URLs`,
      );
    }
    return adapter as Uploader;
  }

  /**
   * Uploads the request's local images (every file read first, so a missing one fails before any
   * upload) and returns the request with their URLs. Nothing here creates a task: its errors say
   * 'not-created' (the exchange's, for an upload; validation errors by their kind).
   */
  async uploadLocalMedia(
    request: ResolvedVideoRequest,
    options: SubmitOptions,
  ): Promise<ResolvedVideoRequest> {
    const media = findLocalMedia(request);
    const first = media[0];
    if (first === undefined) return request;
    const uploader = this.#uploader(first.field);
    const files = await prepareAll(media, this.#imageTarget());
    // One at a time, in request order: a few images, and a failure stops the rest.
    const uploaded: UploadResult[] = [];
    for (const file of files) {
      uploaded.push(
        await this.#uploadPrepared(uploader, file, {
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        }),
      );
    }
    this.logger.debug?.('kling-sdk: uploaded local images', {
      gateway: this.gateway,
      count: uploaded.length,
    });
    return withUploadedUrls(
      request,
      media,
      uploaded.map((u) => u.url),
    );
  }

  #uploadPrepared(
    uploader: Uploader,
    file: PreparedFile,
    options: Pick<UploadOptions, 'signal' | 'timeoutMs' | 'maxRetries'>,
  ): Promise<UploadResult> {
    return this.http.send(
      {
        kind: 'upload',
        ...uploader.uploadRequest(file),
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        maxRetries: options.maxRetries,
      },
      (raw) => {
        const reply = uploader.parseUpload(raw);
        return {
          url: reply.url,
          ...(reply.expiresAt === undefined ? {} : { expiresAt: reply.expiresAt }),
          ...(reply.id === undefined ? {} : { id: reply.id }),
          raw,
        };
      },
    );
  }
}
