/**
 * What both hosts serve, and with which headers: the built renderer and the model files. Kept in
 * one place so the Electron protocol and the browser host cannot drift apart on security.
 */
import path from 'node:path';
import { modelFileOfSegments } from '../../app/contract/routes';
import type { ModelLibrary } from './library';

/**
 * Content-Security-Policy of the studio. WebAssembly needs 'wasm-unsafe-eval'; onnxruntime-web's
 * threaded WASM starts workers from its own module and, in some builds, from blob: URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response: cross-origin isolation (SharedArrayBuffer for WASM threads) and the CSP. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.npz': 'application/octet-stream',
  '.npy': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** The MIME type for a file name. */
export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Outcome of resolving a request path. */
export type Resolved =
  | { kind: 'file'; path: string; mime: string }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'not-found' };

/**
 * Decode a URL path into segments, refusing anything that could walk out of a folder: `..`, `.`,
 * empty segments, encoded slashes or backslashes, NUL bytes and malformed escapes.
 */
export function safeSegments(urlPath: string): string[] | null {
  const raw = urlPath.split('/').slice(1);
  const segments: string[] = [];
  for (const [i, part] of raw.entries()) {
    if (part === '' && i === raw.length - 1) continue; // trailing slash
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (decoded === '' || decoded === '.' || decoded === '..') return null;
    if (/[/\\\0]/.test(decoded) || decoded.includes(':')) return null;
    segments.push(decoded);
  }
  return segments;
}

/**
 * Map a request path to a file: a model file's route (app/contract/routes.ts) streams a file the manifest lists;
 * anything else is a file of the built renderer (`/` is index.html).
 */
export function resolveAsset(urlPath: string, rendererDir: string, library: ModelLibrary): Resolved {
  const segments = safeSegments(urlPath);
  if (!segments) return { kind: 'forbidden', reason: 'path is not allowed' };
  const modelFile = modelFileOfSegments(segments);
  if (modelFile === 'malformed') return { kind: 'not-found' };
  if (modelFile) {
    const file = library.resolveFile(modelFile.modelId, modelFile.file);
    return file ? { kind: 'file', path: file, mime: mimeType(file) } : { kind: 'not-found' };
  }
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const root = path.resolve(rendererDir);
  const full = path.resolve(root, relative);
  if (full !== root && !full.startsWith(root + path.sep)) return { kind: 'forbidden', reason: 'outside the app' };
  return { kind: 'file', path: full, mime: mimeType(full) };
}
