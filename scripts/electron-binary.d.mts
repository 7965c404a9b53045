/** Path of the installed Electron binary, or null when none is installed (never downloads). */
export function findElectronBinary(): string | null;
