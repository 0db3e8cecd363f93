/** The four gateways, in the stable order used wherever no price decides (quote, tables, docs). */
export const GATEWAY_IDS = ['apiinone', 'apiframe', 'evolink', 'modellix'] as const;

export type GatewayId = (typeof GATEWAY_IDS)[number];

export interface GatewayInfo {
  id: GatewayId;
  vendor: string;
  /** The production origin; each adapter owns its paths under it. */
  baseUrl: string;
  /** The environment variable the client reads the API key from when none is given. */
  apiKeyEnv: string;
  docs: string;
}

export const GATEWAYS: Readonly<Record<GatewayId, GatewayInfo>> = {
  apiinone: {
    id: 'apiinone',
    vendor: 'API in One',
    baseUrl: 'https://apiin.one',
    apiKeyEnv: 'APIINONE_API_KEY',
    docs: 'https://apiin.one/models/kling-3',
  },
  apiframe: {
    id: 'apiframe',
    vendor: 'apiframe',
    baseUrl: 'https://api.apiframe.ai',
    apiKeyEnv: 'APIFRAME_API_KEY',
    docs: 'https://apiframe.ai/docs/videos/kling/kling-3-0',
  },
  evolink: {
    id: 'evolink',
    vendor: 'EvoLink',
    baseUrl: 'https://api.evolink.ai',
    apiKeyEnv: 'EVOLINK_API_KEY',
    docs: 'https://docs.evolink.ai/en/api-manual/video-series/kling/kling-v3-image-to-video',
  },
  modellix: {
    id: 'modellix',
    vendor: 'Modellix',
    baseUrl: 'https://api.modellix.ai',
    apiKeyEnv: 'MODELLIX_API_KEY',
    docs: 'https://docs.modellix.ai/kling/kling-v3-omni-video',
  },
};

export function isGatewayId(value: unknown): value is GatewayId {
  return typeof value === 'string' && (GATEWAY_IDS as readonly string[]).includes(value);
}
