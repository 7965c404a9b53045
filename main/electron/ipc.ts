/**
 * The IPC side of the contract: one `ipcMain.handle` per method, each checking its sender before it
 * validates the payload and runs the shared handler. Free of a run-time electron import (the
 * event is typed by the two fields used), so the handlers themselves are unit-tested.
 */
import { METHODS, contract, type HostApi, type Method, type RequestOf, type ResponseOf } from '../../app/contract/channels';
import { dispatch } from '../services/api';
import { isTrustedUrl } from './security';

/** The part of an IpcMainInvokeEvent the handlers read: the check its frame, sender-aware handlers its WebContents. */
export interface InvokeEvent<S = unknown> {
  senderFrame?: { url: string } | null;
  sender?: S;
}

/**
 * Handlers of contract methods that need the calling window itself (to hand it a MessagePort):
 * they get the event's sender beside the validated request, and replace the API's handler.
 */
export type SenderHandlers<S> = { [M in Method]?: (request: RequestOf<M>, sender: S) => Promise<ResponseOf<M>> };

/** Raised when a page other than the studio's own sends an IPC call. */
export class IpcSenderError extends Error {
  override readonly name = 'IpcSenderError';
}

/** Refuse calls from any frame that is not a studio page (a navigated-away or injected frame). */
export function checkSender(event: InvokeEvent): void {
  if (!isTrustedUrl(event.senderFrame?.url)) {
    throw new IpcSenderError(`IPC refused: sender ${event.senderFrame?.url ?? '(unknown)'} is not a studio page.`);
  }
}

/** The handler of `method`: sender check, then payload validation, handler and response check (dispatch). */
export function ipcHandler<M extends Method, S>(
  api: HostApi,
  method: M,
  bySender: SenderHandlers<S> = {},
): (event: InvokeEvent<S>, payload: unknown) => Promise<ResponseOf<M>> {
  return async (event, payload) => {
    checkSender(event);
    const handler = bySender[method] as ((request: RequestOf<M>, sender: S) => Promise<ResponseOf<M>>) | undefined;
    if (!handler) return dispatch(api, method, payload);
    if (event.sender === undefined) throw new IpcSenderError(`IPC refused: ${contract[method].channel} needs the calling window`);
    const sender = event.sender;
    return dispatch({ ...api, [method]: (request: RequestOf<M>) => handler(request, sender) }, method, payload);
  };
}

/** Register every contract method on `ipc` (ipcMain); `bySender` replaces some with sender-aware handlers. */
export function wireIpc<S>(
  ipc: { handle(channel: string, listener: (event: InvokeEvent<S>, payload: unknown) => Promise<unknown>): void },
  api: HostApi,
  bySender: SenderHandlers<S> = {},
): void {
  for (const method of METHODS) ipc.handle(contract[method].channel, ipcHandler(api, method, bySender));
}
