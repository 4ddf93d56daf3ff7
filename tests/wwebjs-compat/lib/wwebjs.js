'use strict';
// Loads UNMODIFIED whatsapp-web.js pointed at the simulator, creates clients with an event
// recorder, and makes sure every Chromium they start dies.

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
];

let wwebjs = null;

/**
 * Routes whatsapp-web.js to the simulator (reference §9 method 4: patch the constant before
 * Client.js is loaded, since Client.js destructures it at load time) and loads the library.
 */
function loadWwebjs(simUrl) {
    if (wwebjs) return wwebjs;
    const constantsPath = require.resolve('whatsapp-web.js/src/util/Constants');
    const clientPath = require.resolve('whatsapp-web.js/src/Client');
    if (require.cache[clientPath]) {
        throw new Error('whatsapp-web.js was loaded before WhatsWebURL could be patched');
    }
    require(constantsPath).WhatsWebURL = simUrl.replace(/\/+$/, '') + '/';
    wwebjs = require('whatsapp-web.js');
    return wwebjs;
}

/** Every Chromium process group we launched, killed for sure on exit. */
const browserPids = new Set();
process.on('exit', () => {
    for (const pid of browserPids) {
        try {
            process.kill(-pid, 'SIGKILL'); // puppeteer launches Chromium detached: own group
        } catch {
            try {
                process.kill(pid, 'SIGKILL');
            } catch {}
        }
    }
});

function fmt(v) {
    try {
        const s = JSON.stringify(v, (k, x) => (k === 'client' ? undefined : x));
        return s && s.length > 300 ? s.slice(0, 300) + '…' : s;
    } catch {
        return String(v);
    }
}

/** Records every client event so that waits never miss one that already happened. */
class Recorder {
    constructor(client, eventNames, label) {
        this.label = label;
        this.events = []; // {name, args, at}
        this.waiters = new Set();
        this.pageLog = [];
        for (const name of new Set(eventNames)) {
            client.on(name, (...args) => this._push(name, args));
        }
    }

    _push(name, args) {
        const ev = { name, args, at: Date.now() };
        this.events.push(ev);
        for (const w of [...this.waiters]) w(ev);
    }

    count(name) {
        return this.events.filter((e) => e.name === name).length;
    }

    summary() {
        const counts = {};
        for (const e of this.events) counts[e.name] = (counts[e.name] || 0) + 1;
        return JSON.stringify(counts);
    }

    /**
     * Resolves with the args of the first `name` event (recorded from index `from` on) for which
     * `pred(...args)` is true; rejects after timeoutMs with what was seen instead.
     */
    waitFor(name, pred = () => true, { timeoutMs = 30000, from = 0 } = {}) {
        const match = (ev) => {
            if (ev.name !== name) return false;
            try {
                return !!pred(...ev.args);
            } catch {
                return false;
            }
        };
        const hit = this.events.slice(from).find(match);
        if (hit) return Promise.resolve(hit.args);
        return new Promise((resolve, reject) => {
            const waiter = (ev) => {
                if (!match(ev)) return;
                clearTimeout(timer);
                this.waiters.delete(waiter);
                resolve(ev.args);
            };
            const timer = setTimeout(() => {
                this.waiters.delete(waiter);
                const same = this.events
                    .slice(from)
                    .filter((e) => e.name === name)
                    .slice(-3)
                    .map((e) => e.args.map(fmt).join(', '));
                const page = this.pageLog.slice(-8).join('\n    ');
                reject(
                    new Error(
                        `[${this.label}] no matching '${name}' within ${timeoutMs} ms; ` +
                            `events seen: ${this.summary()}` +
                            (same.length ? `; last '${name}' args: ${same.join(' | ')}` : '') +
                            (page ? `\n  page console (last):\n    ${page}` : ''),
                    ),
                );
            }, timeoutMs);
            this.waiters.add(waiter);
        });
    }
}

/**
 * Creates a Client on LocalAuth(dataPath, clientId) and starts initialize() in the background.
 * Returns {client, rec, init} where init is the initialize() promise (already caught).
 */
function startClient(simUrl, { dataPath, clientId = 'compat', label = clientId } = {}) {
    const { Client, LocalAuth, Events } = loadWwebjs(simUrl);
    const client = new Client({
        authStrategy: new LocalAuth({ dataPath, clientId }),
        // Never cache the simulator's HTML in ./.wwebjs_cache: a stale copy would be served.
        webVersionCache: { type: 'none' },
        puppeteer: {
            executablePath: CHROMIUM,
            headless: true,
            args: CHROMIUM_ARGS,
        },
    });
    const rec = new Recorder(client, Object.values(Events), label);

    // Track the browser and the page's console as soon as initialize() has created them.
    let watching = true;
    const watch = async () => {
        while (watching && !client.pupBrowser) await new Promise((r) => setTimeout(r, 25));
        const proc = client.pupBrowser?.process?.();
        if (proc?.pid) {
            browserPids.add(proc.pid);
            proc.once('exit', () => browserPids.delete(proc.pid));
        }
        if (!watching) {
            // stopClient() already ran, then initialize() launched a browser: kill it now.
            killBrowser(proc);
            return;
        }
        while (watching && !client.pupPage) await new Promise((r) => setTimeout(r, 25));
        if (!watching) return;
        client.pupPage.on('console', (m) => {
            if (['error', 'warn', 'warning'].includes(m.type())) {
                rec.pageLog.push(`console.${m.type()}: ${m.text()}`);
            }
        });
        client.pupPage.on('pageerror', (e) => rec.pageLog.push(`pageerror: ${e?.message ?? e}`));
    };
    watch();

    const init = client.initialize().then(
        () => ({ ok: true }),
        (err) => {
            rec.pageLog.push(`initialize() rejected: ${err?.stack ?? err}`);
            return { ok: false, err };
        },
    );
    client.__stopWatching = () => {
        watching = false;
    };
    client.__init = init;
    return { client, rec, init };
}

function killBrowser(proc) {
    if (!proc?.pid) return;
    if (proc.exitCode === null && proc.signalCode === null) {
        try {
            process.kill(-proc.pid, 'SIGKILL'); // puppeteer starts Chromium detached: own group
        } catch {
            try {
                proc.kill('SIGKILL');
            } catch {}
        }
    }
    browserPids.delete(proc.pid);
}

/** SIGKILLs every Chromium still tracked (last resort before the runner ends). */
function killAllBrowsers() {
    for (const pid of [...browserPids]) {
        try {
            process.kill(-pid, 'SIGKILL');
        } catch {}
        browserPids.delete(pid);
    }
}

/** destroy() with a deadline; SIGKILLs the browser's process group if it does not close. */
async function stopClient(client) {
    if (!client) return;
    // If initialize() has not launched the browser yet, give it a bounded moment so that
    // destroy() has something to close (the watcher kills any browser that comes later).
    const deadline = Date.now() + 10000;
    while (!client.pupBrowser && Date.now() < deadline) {
        const settled = await Promise.race([
            client.__init?.then(() => true),
            new Promise((r) => setTimeout(() => r(false), 50)),
        ]);
        if (settled) break;
    }
    client.__stopWatching?.();
    const proc = client.pupBrowser?.process?.();
    try {
        await Promise.race([
            client.destroy(),
            new Promise((_, rej) => setTimeout(() => rej(new Error('destroy timeout')), 15000)),
        ]);
    } catch {
        // fall through to the kill below
    }
    killBrowser(proc);
}

module.exports = { loadWwebjs, startClient, stopClient, killAllBrowsers, fmt };
