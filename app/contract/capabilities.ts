/**
 * What each host can do beyond the calls every host answers, as `appInfo` reports it: the renderer
 * asks its host instead of guessing from which globals a page happens to have, and one table says
 * how the desktop app and the browser host differ.
 */
import { z } from 'zod';

/** The host kinds the studio runs in. */
export const HOST_KINDS = ['electron', 'web'] as const;
/** One of {@link HOST_KINDS}. */
export type HostKind = (typeof HOST_KINDS)[number];

/** The capabilities part of `appInfo`'s answer. */
export const hostCapabilitiesSchema = z.object({
  /**
   * The host reads files by their path on disk: package folders can be imported, and dropped or
   * picked files are imported and opened in place (else the page sends a file's bytes).
   */
  filePaths: z.boolean(),
  /** The host can show a model's folder in the system's file manager (`revealModel`). */
  revealFiles: z.boolean(),
  /**
   * The host serves models from onnxruntime-node in a process of its own: the desktop app through
   * `openNative` and a MessagePort, the browser host through its native socket
   * (routes.ts NATIVE_SOCKET_ROUTE) where onnxruntime-node is installed.
   */
  nativeInference: z.boolean(),
  /** The host opens the performance window itself (`openPerformWindow`); else the page opens a pop-up. */
  performWindow: z.boolean(),
});

/** What a host can do. */
export type HostCapabilities = z.infer<typeof hostCapabilitiesSchema>;

/** What each kind of host can do, apart from native inference, which depends on the install. */
const CAPABILITIES: Readonly<Record<HostKind, Omit<HostCapabilities, 'nativeInference'>>> = {
  electron: { filePaths: true, revealFiles: true, performWindow: true },
  web: { filePaths: false, revealFiles: false, performWindow: false },
};

/**
 * The capabilities of a host of kind `host`. `nativeInstalled`: whether onnxruntime-node and the
 * built native process are present (the browser host checks; an optional dependency may be absent).
 */
export function hostCapabilities(host: HostKind, nativeInstalled = host === 'electron'): HostCapabilities {
  return { ...CAPABILITIES[host], nativeInference: nativeInstalled };
}
