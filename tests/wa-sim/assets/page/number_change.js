// number_change.js: a contact's change_number notification (notification_template) is added
// with its template params as the server sends them (ids); WhatsApp Web then resolves them
// to Wids of known contacts, and that update is the Msg 'change' whatsapp-web.js reads as
// contact_changed.
(function () {
  'use strict';

  __d('WASimChangeNumberNotifications', (require) => {
    const server = require('WASimServer');
    const { toWid, MsgKey } = require('WASimCore');
    server.on('msg', (view) => {
      if (view.type !== 'notification_template' || view.subtype !== 'change_number') return;
      const msg = require('WAWebCollections').Msg.get(MsgKey.keyToString(view.id));
      if (msg) msg.set('templateParams', (view.templateParams || []).map((id) => toWid(id)));
    });
    return {};
  });
})();
