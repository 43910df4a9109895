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
  /** Everything the server printed, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
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
  const child: ChildProcess = spawn(kontorBinary(), ["serve"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dataDir,
      KONTOR_DATA_DIR: dataDir,
      KONTOR_ADDR: "127.0.0.1:0",
      KONTOR_ADMIN_PASSWORD: adminPassword,
      KONTOR_LOG_FORMAT: "text",
      KONTOR_SHUTDOWN_TIMEOUT: "2s",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Never leave a server behind, even when the test run is cut short.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString()));

  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`kontor serve did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1]);
      }
    };
    child.stdout?.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`kontor serve exited with ${code}:\n${out}`));
    });
  });

  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    process.off("exit", killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, adminPassword, output: () => out, stop };
}
