// wa-gateway bridge, client module: the account, its chats and contacts.
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);

  // whatsapp-web.js ClientInfo: Conn.serialize() plus the account's wid (phone number, else LID).
  wagw.register('client.getClassInfo', () => {
    const conn = mod('WAWebConnModel').Conn.serialize();
    const me = mod('WAWebUserPrefsMeUser');
    const wid = me.getMaybeMePnUser() || me.getMaybeMeLidUser();
    return { pushname: conn.pushname, wid, me: wid, phone: conn.phone, platform: conn.platform };
  });
})();
