'use strict';
// Starts (or attaches to) the wa-sim simulator and drives its /_sim/ control API.
//
// Resolution order:
//   1. WA_SIM_URL set          -> use that simulator, start nothing.
//   2. WA_SIM_BIN set          -> spawn that binary.
//   3. otherwise               -> `cargo build -q -p wa-sim` (when cargo is on PATH), then spawn
//                                 <target>/debug/wa-sim, where <target> is CARGO_TARGET_DIR or
//                                 the workspace's target/.
// The spawned simulator gets `--port <free port>`; its URL is taken from the first http:// URL
// it prints on stdout, or else http://127.0.0.1:<port>. Readiness = GET /_sim/health answers 200.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const WORKSPACE = path.resolve(__dirname, '..', '..', '..');

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

function hasCargo() {
    const r = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
    return r.status === 0;
}

function simBinary(log) {
    if (process.env.WA_SIM_BIN) return process.env.WA_SIM_BIN;
    const targetDir = process.env.CARGO_TARGET_DIR
        ? path.resolve(WORKSPACE, process.env.CARGO_TARGET_DIR)
        : path.join(WORKSPACE, 'target');
    const bin = path.join(targetDir, 'debug', 'wa-sim');
    if (hasCargo()) {
        log('building the simulator: cargo build -q -p wa-sim');
        const r = spawnSync('cargo', ['build', '-q', '-p', 'wa-sim'], {
            cwd: WORKSPACE,
            stdio: ['ignore', 'inherit', 'inherit'],
        });
        if (r.status !== 0) {
            throw new Error(`cargo build -p wa-sim failed (exit ${r.status})`);
        }
    }
    if (!fs.existsSync(bin)) {
        throw new Error(`simulator binary not found at ${bin} (set WA_SIM_URL or WA_SIM_BIN)`);
    }
    return bin;
}

async function waitHealthy(url, child, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let lastErr;
    while (Date.now() < deadline) {
        if (child && child.exitCode !== null) {
            throw new Error(`simulator exited early with code ${child.exitCode}`);
        }
        try {
            const res = await fetch(`${url}/_sim/health`, { signal: AbortSignal.timeout(2000) });
            if (res.ok) return;
            lastErr = new Error(`health answered ${res.status}`);
        } catch (e) {
            lastErr = e;
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`simulator at ${url} not healthy within ${timeoutMs} ms: ${lastErr}`);
}

class Sim {
    constructor(url, child) {
        this.url = url.replace(/\/+$/, '');
        this.child = child;
        this.output = [];
    }

    static async start({ log = () => {} } = {}) {
        if (process.env.WA_SIM_URL) {
            const sim = new Sim(process.env.WA_SIM_URL, null);
            await waitHealthy(sim.url, null, 30000);
            log(`using the simulator at ${sim.url} (WA_SIM_URL)`);
            return sim;
        }
        const bin = simBinary(log);
        const port = await freePort();
        const child = spawn(bin, ['--port', String(port)], {
            cwd: WORKSPACE,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
        });
        const sim = new Sim(`http://127.0.0.1:${port}`, child);
        let printedUrl = null;
        const onData = (stream) => (chunk) => {
            const text = chunk.toString();
            for (const line of text.split('\n')) {
                if (!line) continue;
                sim.output.push(`[${stream}] ${line}`);
                if (sim.output.length > 500) sim.output.shift();
                const m = !printedUrl && stream === 'stdout' && line.match(/https?:\/\/[^\s"']+/);
                if (m) printedUrl = m[0];
            }
        };
        child.stdout.on('data', onData('stdout'));
        child.stderr.on('data', onData('stderr'));
        await waitHealthy(sim.url, child, 60000);
        if (printedUrl) sim.url = printedUrl.replace(/\/+$/, '');
        log(`simulator pid ${child.pid} at ${sim.url}`);
        return sim;
    }

    async stop() {
        const child = this.child;
        if (!child || child.exitCode !== null || child.signalCode) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT'); // wa-sim shuts down gracefully on Ctrl-C
        const t = setTimeout(() => {
            try {
                child.kill('SIGKILL');
            } catch {}
        }, 5000);
        await exited;
        clearTimeout(t);
    }

    /** Synchronous last-resort kill, for process 'exit'. */
    killNow() {
        if (this.child && this.child.exitCode === null) {
            try {
                this.child.kill('SIGKILL');
            } catch {}
        }
    }

    async request(method, p, body) {
        const res = await fetch(`${this.url}${p}`, {
            method,
            headers: body === undefined ? {} : { 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(15000),
        });
        const text = await res.text();
        let json;
        try {
            json = text ? JSON.parse(text) : null;
        } catch {
            json = undefined;
        }
        return { status: res.status, json, text };
    }

    /** Like request() but throws unless the answer is 2xx; returns the JSON body. */
    async call(method, p, body) {
        const r = await this.request(method, p, body);
        if (r.status < 200 || r.status > 299) {
            throw new Error(`${method} ${p} ${JSON.stringify(body ?? null)} -> ${r.status} ${r.text}`);
        }
        return r.json;
    }

    get(p) {
        return this.call('GET', p);
    }

    post(p, body) {
        return this.call('POST', p, body ?? {});
    }
}

module.exports = { Sim, freePort };
