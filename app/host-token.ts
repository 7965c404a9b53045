/**
 * The name of the header that carries the browser host's per-run access token, shared by the host
 * (main/web/access.ts) and the page (renderer/host-token.ts) so the two cannot drift apart.
 */

/** The request header the browser host reads its access token from. */
export const HOST_TOKEN_HEADER = 'X-Latent-Studio-Token';
