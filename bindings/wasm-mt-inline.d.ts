export declare const wasmThreadsBase64: string;
