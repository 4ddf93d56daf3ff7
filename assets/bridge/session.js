// wa-gateway bridge, session module: socket state, logout and pairing by phone number.
(() => {
  const wagw = window.__wagw;
  const Socket = () => wagw.mod('WAWebSocketModel').Socket;

  wagw.register('session.getState', () => Socket().state ?? null);

  wagw.register('session.logout', async () => {
    await Socket().logout();
    return true;
  });

  wagw.register('session.resetState', async () => {
    await Socket().reconnect();
    return true;
  });

  // Like whatsapp-web.js: ask WhatsApp Web for an 8-character code, raise `code`, and ask again
  // every 3 minutes while the device is still unpaired.
  const PAIRING_INTERVAL_MS = 180000;
  let pairingTimer = null;
  wagw.register('session.requestPairingCode', async ({ phoneNumber, showNotification = true }) => {
    const linking = wagw.mod('WAWebAltDeviceLinkingApi');
    const requestCode = async () => {
      linking.setPairingType('ALT_DEVICE_LINKING');
      await linking.initializeAltDeviceLinking();
      const code = await linking.startAltLinkingFlow(phoneNumber, showNotification);
      wagw.emit('code', { code });
      return code;
    };
    clearInterval(pairingTimer);
    pairingTimer = setInterval(async () => {
      if (['UNPAIRED', 'UNPAIRED_IDLE'].includes(Socket().state)) {
        await requestCode().catch(() => {});
      } else {
        clearInterval(pairingTimer);
      }
    }, PAIRING_INTERVAL_MS);
    return requestCode();
  });
})();
