// chats.js: Chat model and collection (archive, pin, mute, unread, clear, delete),
// chat getters, finding/creating chats, seen, presence stream, chat state, loading
// earlier messages.
(function () {
  'use strict';

  __d('WAWebChatCollection', (require) => {
    const { Model, Collection, Wid } = require('WASimCore');
    const server = require('WASimServer');

    class Chat extends Model {
      static defaults() {
        return { t: 0, unreadCount: 0, archive: false, pin: 0, isReadOnly: false, muteExpiration: 0, isLocked: false, notSpam: true, labels: [] };
      }

      // The messages of this chat, oldest first (a collection of the same Msg models).
      get msgs() {
        if (!this._msgs) {
          const { MsgCollectionClass } = require('WAWebMsgCollection');
          const msgs = new MsgCollectionClass();
          msgs.comparator = (a, b) => (a.t || 0) - (b.t || 0);
          msgs.msgLoadState = { noEarlierMsgs: false, isLoadingEarlierMsgs: false };
          Object.defineProperty(this, '_msgs', { value: msgs, enumerable: false });
        }
        return this._msgs;
      }

      get groupMetadata() {
        if (!this.id.isGroup()) return undefined;
        const groups = require('WAWebCollections').GroupMetadata;
        return groups ? groups.get(this.id) : undefined;
      }

      get newsletterMetadata() {
        return undefined;
      }

      get contact() {
        return require('WAWebCollections').Contact.gadd(this.id);
      }

      get formattedTitle() {
        if (this.id.isGroup()) return (this.groupMetadata && this.groupMetadata.subject) || this.name || '';
        return this.contact.formattedName;
      }

      get isGroup() {
        return this.id.isGroup();
      }

      iAmAdmin() {
        const group = this.groupMetadata;
        const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
        return !!group && !!me && group.participants.some((p) => p.id.user === me.user && p.isAdmin);
      }

      iAmMember() {
        const group = this.groupMetadata;
        const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
        return !!group && !!me && group.participants.some((p) => p.id.user === me.user);
      }

      canSend() {
        return !this.id.isGroup() || (this.iAmMember() && (!this.groupMetadata.announce || this.iAmAdmin()));
      }

      get kind() {
        return this.id.isGroup() ? 'group' : 'chat';
      }

      get lastReceivedKey() {
        const last = this.msgs.last();
        return last ? last.id : undefined;
      }

      // chat.mute.mute({expiration, sendDevice}) / unmute(); expiration 0 = not muted.
      get mute() {
        const chat = this;
        return {
          get expiration() {
            return chat.muteExpiration || 0;
          },
          get isMuted() {
            return (chat.muteExpiration || 0) !== 0;
          },
          async mute({ expiration }) {
            await chat._update({ muteExpiration: expiration });
            return expiration;
          },
          async unmute() {
            await chat._update({ muteExpiration: 0 });
          },
        };
      }

      async _update(change) {
        await server.request('chat', { chat: this.id._serialized, ...change });
        this.set(change);
      }

      serialize() {
        return { ...super.serialize(), msgs: this.msgs.serialize() };
      }
    }

    class ChatCollection extends Collection {
      static get model() {
        return Chat;
      }

      async findImpl(id) {
        return (await require('WAWebFindChatAction').findOrCreateLatestChat(id)).chat;
      }
    }

    const chats = new ChatCollection();

    function chatAttrs(view) {
      return {
        id: new Wid(view.id),
        t: view.t,
        unreadCount: view.unreadCount,
        archive: view.archive,
        pin: view.pin,
        muteExpiration: view.muteExpiration,
        isReadOnly: view.isReadOnly,
        labels: view.labels,
        endOfHistoryTransferType: view.endOfHistoryTransferType,
        name: view.name || undefined,
      };
    }

    function applyChat(view) {
      const existing = chats.get(view.id);
      if (view.deleted) {
        if (existing) chats.remove(existing);
        return undefined;
      }
      if (existing) {
        existing.set(chatAttrs(view));
        return existing;
      }
      return chats.add(chatAttrs(view));
    }

    server.onSync(30, (snapshot) => snapshot.chats.forEach(applyChat));
    server.on('chat', applyChat);
    server.on('chatCleared', ({ id }) => clearLocally(chats.get(id)));
    server.on('chatDeleted', ({ id }) => {
      const chat = chats.get(id);
      if (!chat) return;
      clearLocally(chat);
      chats.remove(chat);
    });

    // Cleared messages leave quietly: they were not revoked.
    function clearLocally(chat) {
      if (!chat) return;
      for (const msg of chat.msgs.getModelsArray()) {
        if (msg.star) continue;
        chat.msgs.remove(msg, { silent: true });
        require('WAWebCollections').Msg.remove(msg, { silent: true });
      }
      chat.set('unreadCount', 0);
    }

    require('WAWebCollections').Chat = chats;
    return { ChatCollection: chats, Chat, _clearLocally: clearLocally };
  });

  __d('WAWebChatGetters', () => ({
    getIsNewsletter: (chat) => chat.id.isNewsletter(),
    getIsBroadcast: (chat) => chat.id.isBroadcast(),
    getIsGroup: (chat) => chat.id.isGroup(),
    getIsUser: (chat) => chat.id.isUser(),
    getKind: (chat) => chat.kind,
    getFormattedTitle: (chat) => chat.formattedTitle,
  }));

  __d('WAWebFindChatAction', (require) => ({
    // A chat the device has not seen yet exists locally until its first message.
    findOrCreateLatestChat: async (wid) => {
      const { toWid } = require('WASimCore');
      const chats = require('WAWebCollections').Chat;
      const id = toWid(wid);
      const existing = chats.get(id);
      if (existing) return { chat: existing, created: false };
      if (id.isGroup() && !require('WAWebCollections').GroupMetadata.get(id)) {
        throw new Error('group not found: ' + id._serialized);
      }
      return { chat: chats.add({ id, t: Math.floor(Date.now() / 1000) }), created: true };
    },
  }));

  __d('WAWebUpdateUnreadChatAction', (require) => ({
    sendSeen: async ({ chat }) => {
      await require('WASimServer').request('sendSeen', { chat: chat.id._serialized });
      chat.set('unreadCount', 0);
      return true;
    },
    markUnread: async (chat, unread) => {
      await chat._update({ unreadCount: unread ? -1 : 0 });
    },
  }));

  __d('WAWebStreamModel', (require) => {
    const { Model } = require('WASimCore');
    class StreamModel extends Model {
      static defaults() {
        return { available: false, mode: 'MAIN', info: 'NORMAL' };
      }
      markAvailable() {
        this.set('available', true);
      }
      markUnavailable() {
        this.set('available', false);
      }
    }
    return { Stream: new StreamModel(), StreamModel };
  });

  __d('WAWebChatClearBridge', (require) => ({
    sendClear: async (chat) => {
      await require('WASimServer').request('clearChat', { chat: chat.id._serialized });
      require('WAWebChatCollection')._clearLocally(chat);
      return true;
    },
  }));

  __d('WAWebDeleteChatAction', (require) => ({
    sendDelete: async (chat) => {
      await require('WASimServer').request('deleteChat', { chat: chat.id._serialized });
      require('WAWebChatCollection')._clearLocally(chat);
      require('WAWebCollections').Chat.remove(chat);
      return true;
    },
  }));

  __d('WAWebChatStateBridge', () => ({
    sendChatStateComposing: async () => {},
    sendChatStateRecording: async () => {},
    sendChatStatePaused: async () => {},
  }));

  __d('WAWebChatLoadMessages', (require) => ({
    // loadEarlierMsgs({chat}): the page of messages before the oldest loaded one; [] when
    // there are none. (Older WhatsApp Web builds took the chat itself.)
    loadEarlierMsgs: async (arg) => {
      const chat = arg && arg.chat ? arg.chat : arg;
      const oldest = chat.msgs.head();
      const { messages } = await require('WASimServer').request('loadEarlier', {
        chat: chat.id._serialized,
        before: oldest ? oldest.id._serialized : undefined,
        count: 50,
      });
      if (!messages.length) chat.msgs.msgLoadState.noEarlierMsgs = true;
      return require('WAWebMsgCollection')._addHistory(messages);
    },
  }));

  __d('WAWebChatMessageSearch', (require) => ({
    getSearchContext: (chat, msgKey) => ({
      collection: chat.msgs,
      msg: require('WAWebCollections').Msg.get(msgKey),
      key: msgKey,
    }),
  }));

  // Chat commands on the app-wide Cmd bus.
  __d('WASimChatCommands', (require) => {
    const { Cmd } = require('WAWebCmd');
    Object.assign(Cmd, {
      archiveChat: async (chat, archive) => {
        await chat._update({ archive: !!archive });
        return true;
      },
      pinChat: async (chat, pin) => {
        await chat._update({ pin: pin ? Math.floor(Date.now() / 1000) : 0 });
        return true;
      },
      markChatUnread: async (chat, unread) => {
        await chat._update({ unreadCount: unread ? -1 : 0 });
        return true;
      },
    });
    return {};
  });
})();
