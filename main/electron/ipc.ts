/**
 * The IPC side of the contract: one `ipcMain.handle` per method, each checking its sender before it
 * validates the payload and runs the shared handler. Free of a run-time electron import (the
 * event is typed by the two fields used), so the handlers themselves are unit-tested.
 */
import { METHODS, contract, type HostApi, type Method, type ResponseOf } from '../../app/contract';
import { dispatch } from '../services/api';
import { isTrustedUrl } from './security';

/** The part of an IpcMainInvokeEvent the check reads. */
export interface InvokeEvent {
  senderFrame?: { url: string } | null;
}

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
export function ipcHandler<M extends Method>(api: HostApi, method: M): (event: InvokeEvent, payload: unknown) => Promise<ResponseOf<M>> {
  return async (event, payload) => {
    checkSender(event);
    return dispatch(api, method, payload);
  };
}

/** Register every contract method on `ipc` (ipcMain). */
export function wireIpc(ipc: { handle(channel: string, listener: (event: InvokeEvent, payload: unknown) => Promise<unknown>): void }, api: HostApi): void {
  for (const method of METHODS) ipc.handle(contract[method].channel, ipcHandler(api, method));
}
