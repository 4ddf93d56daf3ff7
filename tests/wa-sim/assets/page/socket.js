// socket.js: the connection life cycle. Socket (state machine, hasSynced), Conn (QR ref,
// me, pushname, platform), Cmd (app-wide command bus), login by QR or pairing code,
// restore from the stored login, logout (from the phone or from this page).
//
// States: UNLAUNCHED -> OPENING -> UNPAIRED (QR refs rotate in Conn.ref) -> PAIRING ->
// CONNECTED; a stored login goes OPENING -> CONNECTED. hasSynced turns true once the
// sync is applied and someone listens for change:hasSynced (or after a grace period).
(function () {
  'use strict';

  // Real WhatsApp Web keeps its credentials in IndexedDB/localStorage of the origin;
  // the simulator keeps its device login and registration keys in localStorage.
  const LOGIN_KEY = 'WASim.deviceLogin';
  const KEYS_KEY = 'WASim.registrationKeys';
  const ME_KEY = 'last-wid-md';
  // Real WhatsApp finishes its sync whether or not anyone listens; the simulator waits
  // for a listener (whatsapp-web.js subscribes late) but not forever.
  const SYNC_ANNOUNCE_GRACE_MS = 15000;
  const RECONNECT_DELAY_MS = 1000;

  __d('WAWebSocketModel', (require) => {
    const { Model } = require('WASimCore');

    class SocketModel extends Model {
      static defaults() {
        return { state: 'UNLAUNCHED', stream: 'DISCONNECTED', hasSynced: false };
      }

      on(names, callback, context) {
        super.on(names, callback, context);
        if (String(names).split(/\s+/).includes('change:hasSynced')) this._announceSynced(50);
        return this;
      }

      // The sync is applied: hasSynced may turn true.
      _syncApplied() {
        Object.defineProperty(this, '_synced', { value: true, writable: true, configurable: true });
        this._announceSynced(50);
        setTimeout(() => this._announceSynced(0), SYNC_ANNOUNCE_GRACE_MS);
      }

      _announceSynced(delayMs) {
        if (!this._synced || this.hasSynced) return;
        if (delayMs > 0 && this.listenerCount('change:hasSynced') === 0) return;
        setTimeout(() => {
          if (!this.hasSynced) this.set('hasSynced', true);
        }, delayMs);
      }

      logout() {
        return require('WASimLogin').logoutFromPage();
      }

      reconnect() {
        return require('WASimLogin').reconnect();
      }

      takeover() {
        return require('WASimLogin').takeover();
      }

      poke() {
        return Promise.resolve();
      }
    }

    return { Socket: new SocketModel(), SocketModel };
  });

  __d('WAWebConnModel', (require) => {
    const { Model } = require('WASimCore');

    class ConnModel extends Model {
      static defaults() {
        return { ref: undefined, wid: undefined, pushname: undefined, platform: 'android', connected: false };
      }

      canSetMyPushname() {
        return true;
      }

      isSMB() {
        return this.platform === 'smba' || this.platform === 'smbi';
      }
    }

    return { Conn: new ConnModel(), ConnModel };
  });

  __d('WAWebCmd', (require) => {
    const { Events } = require('WASimCore');

    // Areas add their commands (archiveChat, sendRevokeMsgs, ...) to this object.
    class CmdImpl extends Events {
      refreshQR() {
        return require('WASimLogin').refreshQR();
      }

      // UI-only commands: nothing to show in a headless simulator.
      openChatBottom() { return Promise.resolve(true); }
      openChatAt() { return Promise.resolve(true); }
      openChatFromUnread() { return Promise.resolve(true); }
      openDrawerMid() {}
      closeDrawerMid() {}
      chatSearch() {}
      msgInfoDrawer() {}
      closeChat() {}
    }

    return { Cmd: new CmdImpl(), CmdImpl };
  });

  __d('WAWebOfflineHandler', () => {
    let progress = 100;
    return {
      OfflineMessageHandler: {
        getOfflineDeliveryProgress: () => progress,
        isResumeFromRestartComplete: () => progress >= 100,
        _setProgress(value) {
          progress = value;
        },
      },
    };
  });

  // ---- Registration keys shown in the QR (noise static key, identity key, ADV secret).
  function registrationKeys(require) {
    const { encodeB64 } = require('WASimCore');
    let keys = null;
    try {
      keys = JSON.parse(localStorage.getItem(KEYS_KEY));
    } catch (e) {
      keys = null;
    }
    if (!keys) {
      const random = () => encodeB64(crypto.getRandomValues(new Uint8Array(32)));
      keys = { noisePub: random(), noisePriv: random(), identityPub: random(), identityPriv: random(), advSecret: random(), registrationId: Math.floor(Math.random() * 16380) + 1 };
      localStorage.setItem(KEYS_KEY, JSON.stringify(keys));
    }
    return keys;
  }

  __d('WAWebSignalStoreApi', (require) => ({
    waSignalStore: {
      getRegistrationInfo: async () => {
        const { decodeB64 } = require('WASimCore');
        const keys = registrationKeys(require);
        return {
          registrationId: keys.registrationId,
          identityKeyPair: { pubKey: decodeB64(keys.identityPub), privKey: decodeB64(keys.identityPriv) },
        };
      },
    },
  }));

  __d('WAWebUserPrefsInfoStore', (require) => ({
    waNoiseInfo: {
      get: async () => {
        const { decodeB64 } = require('WASimCore');
        const keys = registrationKeys(require);
        return { staticKeyPair: { pubKey: decodeB64(keys.noisePub), privKey: decodeB64(keys.noisePriv) } };
      },
    },
  }));

  __d('WAWebCompanionRegClientUtils', () => ({ DEVICE_PLATFORM: 'WEB' }));
  __d('WAWebAdvSignatureApi', () => ({}));

  __d('WAWebUserPrefsMultiDevice', (require) => ({
    getADVSecretKey: () => registrationKeys(require).advSecret,
  }));

  __d('WAWebUserPrefsMeUser', (require) => {
    const { Wid } = require('WASimCore');
    let me = null;
    return {
      getMaybeMePnUser: () => (me ? new Wid(me.phone + '@c.us') : null),
      getMaybeMeLidUser: () => (me && me.lid ? new Wid(me.lid) : null),
      getMaybeMeUser: () => (me ? new Wid(me.phone + '@c.us') : null),
      getMeUser: () => {
        if (!me) throw new Error('not logged in');
        return new Wid(me.phone + '@c.us');
      },
      getMePnUserOrThrow: () => {
        if (!me) throw new Error('not logged in');
        return new Wid(me.phone + '@c.us');
      },
      getMeLidUserOrThrow: () => {
        if (!me) throw new Error('not logged in');
        return new Wid(me.lid);
      },
      isMeAccount: (wid) => !!me && !!wid && (String(wid._serialized || wid).split('@')[0] === me.phone || (wid._serialized || wid) === me.lid),
      _setMe(value) {
        me = value;
      },
    };
  });

  __d('WAWebAltDeviceLinkingApi', (require) => {
    let pairingType = 'QR';
    return {
      setPairingType(type) {
        pairingType = type;
      },
      getPairingType: () => pairingType,
      initializeAltDeviceLinking: async () => {},
      // The phone must type this 8-character code (POST /_sim/pairing-code).
      startAltLinkingFlow: async (phoneNumber) => {
        const { code } = await require('WASimServer').request('pairingCode', { phone: String(phoneNumber) });
        return code;
      },
      initializeQRLinking: async () => {
        pairingType = 'QR';
      },
    };
  });

  __d('WAWebLaunchSocketUtils', (require) => ({
    refreshQR: () => require('WASimLogin').refreshQR(),
  }));

  // ---- WASimLogin: drives the states above from the server's answers (not a WA module).
  __d('WASimLogin', (require) => {
    const server = require('WASimServer');
    const { Socket } = require('WAWebSocketModel');
    const { Conn } = require('WAWebConnModel');
    const { Cmd } = require('WAWebCmd');
    const meUser = require('WAWebUserPrefsMeUser');
    const { Wid } = require('WASimCore');
    let waitingForRef = false;
    let leaving = false;

    function storedLogin() {
      try {
        return JSON.parse(localStorage.getItem(LOGIN_KEY));
      } catch (e) {
        return null;
      }
    }

    function forgetLogin() {
      localStorage.removeItem(LOGIN_KEY);
      localStorage.removeItem(KEYS_KEY);
      localStorage.removeItem(ME_KEY);
    }

    async function connect() {
      for (;;) {
        try {
          await server.connect();
          return;
        } catch (e) {
          await new Promise((r) => setTimeout(r, RECONNECT_DELAY_MS));
        }
      }
    }

    async function hello() {
      const login = storedLogin();
      const reply = await server.request('hello', { login: login || {} });
      if (reply.status === 'connected') {
        connected(reply.sync);
        return;
      }
      if (login) forgetLogin();
      // The server pushes the first ref right after this reply.
      waitingForRef = true;
    }

    function connected(sync) {
      meUser._setMe({ phone: sync.me.phone, lid: sync.me.lid });
      localStorage.setItem(ME_KEY, JSON.stringify(`${sync.me.phone}:1@c.us`));
      Conn.set({ wid: new Wid(sync.me.phone + '@c.us'), pushname: sync.me.pushname, platform: sync.me.platform, connected: true, ref: Conn.ref });
      server.applySync(sync);
      Socket.set({ state: 'CONNECTED', stream: 'CONNECTED' });
      Socket._syncApplied();
    }

    server.on('ref', ({ ref }) => {
      Conn.set('ref', ref);
      if (waitingForRef) {
        waitingForRef = false;
        Socket.set({ state: 'UNPAIRED', stream: 'CONNECTED' });
      }
    });

    server.on('paired', (login) => {
      localStorage.setItem(LOGIN_KEY, JSON.stringify(login));
      Socket.set('state', 'PAIRING');
      hello().catch((e) => console.error('wa-sim: login after pairing failed', e));
    });

    // The phone unlinked this device (or this page logged out): WhatsApp Web fires the
    // logout command and reloads into a fresh, unpaired page.
    function leave() {
      if (leaving) return;
      leaving = true;
      forgetLogin();
      Cmd.trigger('logout');
      setTimeout(() => location.replace('/?post_logout=1'), 100);
    }

    server.on('loggedOut', leave);

    // Another page took over this device (WhatsApp Web open elsewhere).
    server.on('conflict', () => Socket.set('state', 'CONFLICT'));

    server.setOnClose(() => {
      if (leaving) return;
      Socket.set({ state: storedLogin() ? 'OPENING' : 'OPENING', stream: 'DISCONNECTED' });
      // A reconnect the server refuses (no network) times out; the next close retries.
      setTimeout(() => start().catch(() => Socket.set('state', 'TIMEOUT')), RECONNECT_DELAY_MS);
    });

    async function start() {
      if (Socket.state !== 'OPENING') Socket.set('state', 'OPENING');
      await connect();
      await hello();
    }

    return {
      start,
      async logoutFromPage() {
        try {
          await server.request('logout', {});
        } finally {
          leave();
        }
      },
      async reconnect() {
        server.close();
      },
      async takeover() {
        await hello();
      },
      async refreshQR() {
        // The next ref the server rotates in refreshes the QR; a fresh hello forces one.
        if (Socket.state === 'UNPAIRED' || Socket.state === 'UNPAIRED_IDLE') await hello();
      },
    };
  });
})();
