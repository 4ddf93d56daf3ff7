// ui.js: a small, purely cosmetic view of the modules for people running the simulator
// by hand: connection state, the QR payload (computed as whatsapp-web.js computes it)
// and the chat list. It only reads the modules and never drives them.
(function () {
  'use strict';

  __d('WASimUi', (require) => {
    const { Socket } = require('WAWebSocketModel');
    const { Conn } = require('WAWebConnModel');
    const collections = require('WAWebCollections');
    let scheduled = false;

    async function qrPayload() {
      const encode = require('WABase64').encodeB64;
      const registration = await require('WAWebSignalStoreApi').waSignalStore.getRegistrationInfo();
      const noise = await require('WAWebUserPrefsInfoStore').waNoiseInfo.get();
      const adv = require('WAWebUserPrefsMultiDevice').getADVSecretKey();
      const platform = require('WAWebCompanionRegClientUtils').DEVICE_PLATFORM;
      return [Conn.ref, encode(noise.staticKeyPair.pubKey), encode(registration.identityKeyPair.pubKey), adv, platform].join(',');
    }

    function text(id, value) {
      const node = document.getElementById(id);
      if (node) node.textContent = value;
    }

    async function render() {
      scheduled = false;
      text('sim-state', Socket.state + (Socket.hasSynced ? ' (synced)' : ''));
      const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
      text('sim-me', me ? `${me.user} ${Conn.pushname || ''}` : '');
      const unpaired = Socket.state === 'UNPAIRED' || Socket.state === 'UNPAIRED_IDLE';
      text('sim-qr', unpaired && Conn.ref ? await qrPayload() : '');
      const chats = collections.Chat ? collections.Chat.getModelsArray() : [];
      text('sim-chats', chats.map((c) => {
        const last = c.msgs.last();
        return `${c.formattedTitle || c.id.user} [${c.unreadCount}] ${last ? last.body || last.type : ''}`;
      }).join('\n'));
    }

    function schedule() {
      if (scheduled) return;
      scheduled = true;
      setTimeout(render, 200);
    }

    // No change:hasSynced listener here: hasSynced waits for the first one, which must be
    // whatsapp-web.js's (or the bridge's), so the UI also refreshes on a timer.
    Socket.on('change:state', schedule);
    Conn.on('change:ref change:pushname', schedule);
    require('WASimServer').on('msg', schedule);
    require('WASimServer').on('chat', schedule);
    setInterval(schedule, 1000);
    return { render };
  });
})();
