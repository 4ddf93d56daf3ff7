'use strict';
// Starts the wa-gateway daemon (the Rust binary under test) pointed at the simulator, with a
// webhook receiver on loopback, and calls its HTTP API.
//
// Binary: WA_GATEWAY_BIN, else `cargo build -q --bin wa-gateway` in the workspace and
// <target>/debug/wa-gateway (CARGO_TARGET_DIR is respected).

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const WORKSPACE = path.resolve(__dirname, '..', '..', '..');
const API_KEY = 'differential-key';

function gatewayBinary(log) {
    if (process.env.WA_GATEWAY_BIN) return process.env.WA_GATEWAY_BIN;
    const targetDir = process.env.CARGO_TARGET_DIR
        ? path.resolve(WORKSPACE, process.env.CARGO_TARGET_DIR)
        : path.join(WORKSPACE, 'target');
    log('building the gateway: cargo build -q --bin wa-gateway');
    const r = spawnSync('cargo', ['build', '-q', '--bin', 'wa-gateway'], {
        cwd: WORKSPACE,
        stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`cargo build --bin wa-gateway failed (exit ${r.status})`);
    return path.join(targetDir, 'debug', 'wa-gateway');
}

/** Payloads (webhook bodies, or events recorded another way) that tests wait for. */
class PayloadLog {
    constructor() {
        this.bodies = [];
        this.waiters = new Set();
    }

    push(body) {
        this.bodies.push(body);
        for (const w of [...this.waiters]) w(body);
    }

    /** The first body (from index `from`) matching `pred`, within timeoutMs. */
    waitFor(pred, { timeoutMs = 30000, from = 0, what = 'payload' } = {}) {
        const test = (b) => {
            try {
                return !!pred(b);
            } catch {
                return false;
            }
        };
        const hit = this.bodies.slice(from).find(test);
        if (hit) return Promise.resolve(hit);
        return new Promise((resolve, reject) => {
            const waiter = (b) => {
                if (!test(b)) return;
                clearTimeout(timer);
                this.waiters.delete(waiter);
                resolve(b);
            };
            const timer = setTimeout(() => {
                this.waiters.delete(waiter);
                const seen = this.bodies.slice(from).map((b) => b.dataType);
                reject(new Error(`no ${what} within ${timeoutMs} ms; dataTypes seen: ${seen.join(',')}`));
            }, timeoutMs);
            this.waiters.add(waiter);
        });
    }
}

/** A loopback webhook receiver: records every body, answers 200. */
class WebhookReceiver extends PayloadLog {
    constructor() {
        super();
        this.server = http.createServer((req, res) => {
            const chunks = [];
            req.on('data', (c) => chunks.push(c));
            req.on('end', () => {
                res.writeHead(200, { 'content-type': 'application/json' });
                res.end('{"success":true}');
                try {
                    this.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
                } catch {}
            });
        });
    }

    async start() {
        await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
        this.url = `http://127.0.0.1:${this.server.address().port}/hook`;
        return this;
    }

    stop() {
        this.server.closeAllConnections?.();
        return new Promise((r) => this.server.close(r));
    }
}

class Gateway {
    constructor(child, base, sessionsPath) {
        this.child = child;
        this.base = base;
        this.sessionsPath = sessionsPath;
        this.output = [];
    }

    /** Spawns the daemon on port 0 and waits for its "listening on" line. */
    static async start({ simUrl, webhookUrl, log = () => {} }) {
        const bin = gatewayBinary(log);
        const sessionsPath = fs.mkdtempSync(path.join(os.tmpdir(), 'wagw-diff-'));
        const env = {
            PATH: process.env.PATH,
            HOME: process.env.HOME || os.homedir(),
            PORT: '0',
            API_KEY,
            SESSIONS_PATH: sessionsPath,
            WHATSAPP_WEB_URL: simUrl.replace(/\/+$/, '') + '/',
            BASE_WEBHOOK_URL: webhookUrl,
            LOG_LEVEL: process.env.WA_DIFF_LOG_LEVEL || 'warn',
            // No .env of the checkout may leak in.
            ENV_PATH: '/nonexistent/.env',
        };
        const child = spawn(bin, [], { cwd: sessionsPath, env, stdio: ['ignore', 'pipe', 'pipe'] });
        const gw = new Gateway(child, null, sessionsPath);
        const base = await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('the gateway printed no address in 20 s')), 20000);
            const onLine = (stream) => (chunk) => {
                for (const line of chunk.toString().split('\n')) {
                    if (!line) continue;
                    gw.output.push(`[${stream}] ${line}`);
                    if (gw.output.length > 300) gw.output.shift();
                    const m = line.match(/listening on (http:\/\/\S+)/);
                    if (m) {
                        clearTimeout(timer);
                        resolve(m[1].replace('0.0.0.0', '127.0.0.1'));
                    }
                }
            };
            child.stdout.on('data', onLine('stdout'));
            child.stderr.on('data', onLine('stderr'));
            child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}`)));
        });
        gw.base = base;
        log(`gateway pid ${child.pid} at ${base}`);
        return gw;
    }

    /** SIGTERM, then wait (it closes its browsers first); SIGKILL after 20 s. */
    async stop() {
        const child = this.child;
        if (child.exitCode === null && !child.signalCode) {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 20000);
            await exited;
            clearTimeout(t);
        }
        fs.rmSync(this.sessionsPath, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    }

    killNow() {
        if (this.child.exitCode === null) {
            try {
                this.child.kill('SIGKILL');
            } catch {}
        }
    }

    /** {status, text, json}: json is the parsed body, undefined when it is not JSON. */
    async request(method, p, body) {
        const res = await fetch(this.base + p, {
            method,
            headers: {
                'x-api-key': API_KEY,
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(60000),
        });
        const text = await res.text();
        let json;
        try {
            json = JSON.parse(text);
        } catch {}
        return { status: res.status, text, json };
    }
}

module.exports = { Gateway, PayloadLog, WebhookReceiver };
