// Types of build.mjs (plain JavaScript, as it runs before anything is compiled).
export declare const repositoryRoot: string;
export declare const invalidEnvironment: Record<string, string>;

export interface BuildResult {
  outDir: string;
  projects: string[];
  services: string[];
}

export declare function build(options: {
  root?: string;
  outDir: string;
  dependencies?: boolean;
  log?: (line: string) => void;
}): Promise<BuildResult>;

/** Smoke-tests every built service, or only `services`; resolves with the names checked. */
export declare function smokeTest(
  outDir: string,
  options?: { services?: string[]; log?: (line: string) => void },
): Promise<string[]>;

export declare function builtServices(outDir: string): Promise<string[]>;

export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export declare function runNode(
  entry: string,
  options?: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number },
): Promise<NodeRun>;
