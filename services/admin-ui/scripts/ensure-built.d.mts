export declare const uiRoot: string;
export declare const uiDist: string;
export declare function staleReason(): string | undefined;
export declare function ensureUiBuilt(options?: { log?: (line: string) => void; force?: boolean }): Promise<boolean>;
