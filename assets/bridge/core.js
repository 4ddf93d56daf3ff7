// wa-gateway bridge, core: the call registry, the event channel to Rust, and the session
// lifecycle (boot, QR, pairing, authenticated/ready, state changes, logout).
//
// Injected before WhatsApp Web's own scripts on every document. It only ever talks to WhatsApp
// Web through its internal modules (window.require), the way whatsapp-web.js 1.34.7 does.
(() => {
  if (window.__wagw) return;
  const settings = window.__wagwSettings || {};
  const binding = settings.binding || '__wagwEmit';
  const functions = new Map();

  class GatewayError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Events that make sense before `ready`; every other one waits for it.
  const LIFECYCLE_EVENTS = new Set([
    'qr', 'code', 'authenticated', 'auth_failure', 'ready', 'change_state', 'disconnected',
    'loading_screen', '__state', '__auth', '__log', '__fault',
  ]);
  const MAX_HELD_EVENTS = 10000;
  const heldEvents = [];

  function send(type, data) {
    try {
      window[binding](JSON.stringify(data === undefined ? { type } : { type, data }));
    } catch (err) {
      console.error('wa-gateway: cannot report event', type, err);
    }
  }

  const wagw = {
    /** Registers a function Rust can call by name. */
    register(name, fn) {
      functions.set(name, fn);
    },
    /** An error that becomes an HTTP answer with this status and message. */
    fail(status, message) {
      return new GatewayError(status, message);
    },
    /** Reports an event to Rust: `type` is the wwebjs-api dataType. */
    emit(type, data) {
      // Collection events may fire before `ready` (a message arriving while WhatsApp Web
      // finishes its sync); hold them so receivers see `ready` first and lose nothing.
      if (!wagw.ready && !LIFECYCLE_EVENTS.has(type)) {
        if (heldEvents.length < MAX_HELD_EVENTS) heldEvents.push([type, data]);
        return;
      }
      send(type, data);
    },
    /** Entry point for Rust: resolves to {ok: value} or {err: {status, message}}, never throws. */
    async call(name, args) {
      const fn = functions.get(name);
      if (!fn) return { err: { status: 500, message: `Unknown bridge function ${name}` } };
      try {
        const value = await fn(args == null ? {} : args);
        return { ok: value === undefined ? null : value };
      } catch (err) {
        const status = err instanceof GatewayError ? err.status : 500;
        return { err: { status, message: String((err && err.message) || err) } };
      }
    },
    /** A WhatsApp Web module by name (undefined when missing). */
    mod(name) {
      return window.require(name);
    },
    sleep,
    /** Set once `ready` was raised in this document. */
    ready: false,
  };
  window.__wagw = wagw;

  const WAITING_STATES = ['OPENING', 'UNLAUNCHED', 'PAIRING'];
  const NEEDS_AUTH_STATES = ['UNPAIRED', 'UNPAIRED_IDLE'];
  // After ready, any other state means WhatsApp Web cannot go on as is (whatsapp-web.js).
  const ACCEPTED_STATES = ['CONNECTED', 'OPENING', 'PAIRING', 'TIMEOUT'];
  const LOGGED_OUT_FLAG = '__wagwLoggedOut';

  async function qrString(ref) {
    const auth = Object.assign(
      {},
      wagw.mod('WAWebCompanionRegClientUtils'),
      wagw.mod('WAWebAdvSignatureApi'),
      wagw.mod('WAWebUserPrefsInfoStore'),
      wagw.mod('WAWebSignalStoreApi'),
    );
    const b64 = wagw.mod('WABase64').encodeB64;
    const registration = await auth.waSignalStore.getRegistrationInfo();
    const noise = await auth.waNoiseInfo.get();
    const identityKey = b64(registration.identityKeyPair.pubKey);
    const staticKey = b64(noise.staticKeyPair.pubKey);
    const advSecret = wagw.mod('WAWebUserPrefsMultiDevice').getADVSecretKey();
    return [ref, staticKey, identityKey, advSecret, auth.DEVICE_PLATFORM].join(',');
  }

  async function emitQr(ref) {
    try {
      wagw.emit('qr', { qr: await qrString(ref) });
    } catch (err) {
      console.error('wa-gateway: cannot build the QR', err);
    }
  }

  /** Listens to WhatsApp Web's collections from boot on (not from `ready`, as whatsapp-web.js
   * does), so messages that arrive while the sync finishes are not missed. */
  function attachEventListeners() {
    try {
      wagw.attachEventListeners();
    } catch (err) {
      // Unlike whatsapp-web.js, say why instead of never becoming ready silently.
      console.error('wa-gateway: event listeners failed', err);
      wagw.emit('__fault', `event listeners failed: ${String(err && err.stack || err)}`);
    }
  }

  function onSynced() {
    wagw.emit('authenticated');
    const first = !wagw.ready;
    wagw.ready = true;
    wagw.emit('ready');
    if (first) {
      for (const [type, data] of heldEvents.splice(0)) send(type, data);
    }
  }

  function onStateChange(state) {
    wagw.emit('__state', { state });
    if (!wagw.ready) return;
    wagw.emit('change_state', { state });
    if (!ACCEPTED_STATES.includes(state)) {
      wagw.emit('disconnected', { reason: state });
    }
  }

  async function boot() {
    // Debug.VERSION is WhatsApp Web's boot signal; its modules may register a moment later, and
    // the collections fill in as their chunks load: listening before Msg and Chat are there
    // would miss every message of this page's life.
    const booted = () => {
      if (!(window.Debug && window.Debug.VERSION && typeof window.require === 'function')) {
        return false;
      }
      const collections = window.require('WAWebCollections');
      return !!(window.require('WAWebSocketModel') && collections && collections.Msg &&
        collections.Chat);
    };
    while (!booted()) {
      await sleep(100);
    }
    if (location.search.includes('post_logout=1') || sessionStorage.getItem(LOGGED_OUT_FLAG)) {
      sessionStorage.removeItem(LOGGED_OUT_FLAG);
      wagw.emit('disconnected', { reason: 'LOGOUT' });
    }
    const Socket = wagw.mod('WAWebSocketModel').Socket;
    const Conn = wagw.mod('WAWebConnModel').Conn;
    const Cmd = wagw.mod('WAWebCmd').Cmd;
    attachEventListeners();
    Socket.on('change:state', (_socket, state) => onStateChange(state));
    wagw.emit('__state', { state: Socket.state });
    // The daemon answers the state from these pushes: say when this document goes away, so the
    // next one is asked until its bridge pushes again.
    window.addEventListener('pagehide', () => wagw.emit('__state', { state: null }));

    if (WAITING_STATES.includes(Socket.state)) {
      await new Promise((resolve) => {
        const settled = (_socket, state) => {
          if (!WAITING_STATES.includes(state)) {
            Socket.off('change:state', settled);
            resolve();
          }
        };
        Socket.on('change:state', settled);
      });
    }
    const needAuthentication = NEEDS_AUTH_STATES.includes(Socket.state);
    if (needAuthentication) {
      await emitQr(Conn.ref);
      Conn.on('change:ref', (_conn, ref) => emitQr(ref));
    }

    let lastPercent = null;
    Cmd.on('offline_progress_update_from_bridge', () => {
      const handler = wagw.mod('WAWebOfflineHandler').OfflineMessageHandler;
      const percent = handler.getOfflineDeliveryProgress();
      if (percent !== lastPercent) {
        lastPercent = percent;
        wagw.emit('loading_screen', { percent, message: 'WhatsApp' });
      }
    });
    const onLogout = () => sessionStorage.setItem(LOGGED_OUT_FLAG, '1');
    Cmd.on('logout', onLogout);
    Cmd.on('logout_from_bridge', onLogout);
    Socket.on('change:hasSynced', onSynced);
    wagw.emit('__log', `booted: state ${Socket.state}, hasSynced ${Socket.hasSynced}`);
    wagw.emit('__auth', { needAuthentication });
    // The sync may have finished before we subscribed (a restored login is quick): then there
    // is no change left to see, so go on now.
    if (Socket.hasSynced === true && Socket.state === 'CONNECTED') onSynced();
  }

  boot().catch((err) => {
    console.error('wa-gateway: boot failed', err);
    wagw.emit('__log', String(err && err.stack || err));
  });
})();
