// Starts a real `kontor serve` for the end-to-end tests: a fresh data
// directory, a free port on 127.0.0.1 (the server picks it: addr :0) and
// a known admin password; stops it and removes the directory afterwards.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface Kontor {
  url: string;
  adminPassword: string;
  /** The server's data directory: `kontor user ...` with KONTOR_DATA_DIR set to it acts on this server. */
  dataDir: string;
  /** Everything the server printed, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
  /** Stops the server (SIGTERM, as an operator would) and keeps its data. */
  halt: () => Promise<void>;
  /** Starts it again on the same address and data: what browsers see as a server restart. */
  resume: () => Promise<void>;
}

export function kontorBinary(): string {
  const bin = process.env.KONTOR_BIN ?? resolve(import.meta.dirname, "../../bin/kontor");
  if (!existsSync(bin)) throw new Error(`${bin} not found: run "make build" first (it builds the web app into the binary)`);
  return bin;
}

/** A port nothing listens on: the tests point LDAP there to get "directory unavailable". */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", ok));
  const addr = srv.address();
  await new Promise<void>((ok) => srv.close(() => ok()));
  if (!addr || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

export async function startKontor(env: Record<string, string> = {}): Promise<Kontor> {
  const dataDir = mkdtempSync(join(tmpdir(), "kontor-e2e-"));
  const adminPassword = "e2e-admin-password-1";
  let out = "";
  let child: ChildProcess | undefined;
  // Never leave a server behind, even when the test run is cut short.
  const killOnExit = () => child?.kill("SIGKILL");
  process.once("exit", killOnExit);

  const launch = async (addr: string): Promise<string> => {
    const proc: ChildProcess = spawn(kontorBinary(), ["serve"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dataDir,
        KONTOR_DATA_DIR: dataDir,
        KONTOR_ADDR: addr,
        KONTOR_ADMIN_PASSWORD: adminPassword,
        KONTOR_LOG_FORMAT: "text",
        KONTOR_SHUTDOWN_TIMEOUT: "2s",
        // Call media on free ports: a second server (or a `make run` beside the tests) keeps its own.
        KONTOR_CALLS_UDP_ADDR: "127.0.0.1:0",
        KONTOR_CALLS_TCP_ADDR: "127.0.0.1:0",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let mine = "";
    proc.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      mine += b.toString();
    });
    proc.stderr?.on("data", (b: Buffer) => (out += b.toString()));
    return new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`kontor serve did not start within 30 s:\n${out}`)), 30_000);
      const check = () => {
        const m = /is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(mine);
        if (m?.[1]) {
          clearTimeout(timer);
          ok(m[1]);
        }
      };
      proc.stdout?.on("data", check);
      proc.on("exit", (code) => {
        clearTimeout(timer);
        fail(new Error(`kontor serve exited with ${code}:\n${out}`));
      });
    });
  };

  const halt = async () => {
    const proc = child;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((ok) => proc.once("exit", () => ok()));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };

  const url = await launch("127.0.0.1:0");
  const stop = async () => {
    await halt();
    process.off("exit", killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const resume = async () => {
    await launch(new URL(url).host);
  };
  return { url, adminPassword, dataDir, output: () => out, stop, halt, resume };
}
