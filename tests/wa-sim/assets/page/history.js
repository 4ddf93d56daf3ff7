// history.js: asking the phone for more of a chat's history (a peer data operation request),
// for chats whose endOfHistoryTransferType is 0 (the phone holds more than this device got).
(function () {
  'use strict';

  // WhatsApp's PeerDataOperationRequestType: 3 is HISTORY_SYNC_ON_DEMAND.
  const HISTORY_SYNC_ON_DEMAND = 3;

  __d('WAWebSendNonMessageDataRequest', (require) => ({
    sendPeerDataOperationRequest: async (type, { chatId }) => {
      if (type !== HISTORY_SYNC_ON_DEMAND) throw new Error('unsupported peer data operation ' + type);
      const chat = require('WAWebCollections').Chat.get(chatId);
      const { messages } = await require('WASimServer').request('historySync', { chat: String(chatId._serialized || chatId) });
      require('WAWebMsgCollection')._addHistory(messages);
      if (chat) chat.set('endOfHistoryTransferType', 1);
      return { requestId: require('WASimCore').MsgKey.newIdSync() };
    },
  }));
})();
