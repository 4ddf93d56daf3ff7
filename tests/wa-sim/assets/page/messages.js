// messages.js: Msg model and collection, sending (addAndSendMsgToChat), receiving,
// acks, quotes, link detection, forwards, reactions (reaction table + Reactions
// collection), edits, revokes, delete-for-me, stars, history and offline delivery.
(function () {
  'use strict';

  // How long offline messages wait for someone to listen to Msg 'add' after the sync.
  const OFFLINE_LISTENER_WAIT_MS = 3000;

  __d('WAWebMsgModel', (require) => {
    const { Model, MsgKey, toWid } = require('WASimCore');

    // Server views carry ids as strings; models hold Wid and MsgKey objects.
    function normalize(attrs) {
      const out = { ...attrs };
      if (out.id !== undefined && !(out.id instanceof MsgKey)) out.id = MsgKey.from(out.id);
      for (const key of ['from', 'to', 'author', 'quotedParticipant', 'quotedRemoteJid']) {
        if (out[key] != null && out[key] !== '') out[key] = toWid(out[key]);
      }
      for (const key of ['mentionedJidList', 'recipients']) {
        if (Array.isArray(out[key])) out[key] = out[key].map(toWid);
      }
      for (const key of ['latestEditMsgKey', 'protocolMessageKey']) {
        if (out[key] && !(out[key] instanceof MsgKey)) out[key] = MsgKey.from(out[key]);
      }
      return out;
    }

    const MEDIA_TYPES = ['image', 'video', 'audio', 'ptt', 'document', 'sticker'];

    class Msg extends Model {
      constructor(attrs, options) {
        super(normalize(attrs || {}), options);
      }

      static defaults() {
        return {
          body: '', type: 'chat', ack: 0, isNewMsg: false, star: false, invis: false, viewed: false,
          broadcast: false, recvFresh: false, kicNotified: false, isFromTemplate: false,
          pollInvalidated: false, isSentCagPollCreation: false, latestEditMsgKey: null,
          latestEditSenderTimestampMs: null, mentionedJidList: [], groupMentions: [],
          isEventCanceled: false, eventInvalidated: false, isVcardOverMmsDocument: false,
          isForwarded: false, forwardingScore: 0, isQuestion: false, labels: [], hasReaction: false,
          isDynamicReplyButtonsMsg: false, isCarouselCard: false, isMdHistoryMsg: false, isAvatar: false,
          serverId: undefined,
        };
      }

      set(key, value, options) {
        if (key !== null && typeof key === 'object') return super.set(normalize(key), value);
        return super.set(normalize({ [key]: value }), options);
      }

      get chat() {
        return require('WAWebCollections').Chat.get(this.id.remote);
      }

      get isGroupMsg() {
        return this.id.remote.isGroup();
      }

      get isMedia() {
        return MEDIA_TYPES.includes(this.type);
      }

      get isEphemeral() {
        return false;
      }

      get isStatusV3() {
        return this.id.remote.isStatus();
      }

      get senderObj() {
        return require('WAWebCollections').Contact.gadd(this.author || this.from);
      }

      canReply() {
        return this.type !== 'revoked' && this.type !== 'gp2' && !this.isStatusV3;
      }

      // The quote fields a reply to this message carries (merged into the reply).
      msgContextInfo(chat) {
        const quoted = { type: this.type, body: this.body };
        for (const key of ['caption', 'mimetype', 'filename', 'lat', 'lng', 'loc', 'vcardFormattedName', 'pollName']) {
          if (this[key] !== undefined) quoted[key] = this[key];
        }
        const info = {
          quotedMsg: quoted,
          quotedStanzaID: this.id.id,
          quotedParticipant: this.author || (this.id.fromMe ? require('WAWebUserPrefsMeUser').getMaybeMePnUser() : this.from),
        };
        if (chat && !chat.id.equals(this.id.remote)) info.quotedRemoteJid = this.id.remote;
        return info;
      }

      avParams() {
        return {};
      }

      // Acks only move forward unless forced (a newsletter post is acked once sent).
      updateAck(ack, force) {
        if (force || ack > this.ack) this.set('ack', ack);
      }
    }

    return { Msg, normalize };
  });

  __d('WAWebMsgCollection', (require) => {
    const { Collection } = require('WASimCore');
    const { Msg } = require('WAWebMsgModel');
    const server = require('WASimServer');

    class MsgCollection extends Collection {
      static get model() {
        return Msg;
      }

      async getMessagesById(ids) {
        return { messages: (ids || []).map((id) => this.get(id)).filter(Boolean) };
      }

      // search(query, page, count, remote): asks the server, newest first.
      async search(query, page, count, remote) {
        const result = await server.request('searchMessages', {
          query: String(query),
          page: page || 1,
          count: count || 100,
          chat: remote ? String(remote._serialized || remote) : undefined,
        });
        return { messages: addHistory(result.messages), eof: result.eof };
      }
    }

    const msgs = new MsgCollection();

    function chatOf(msg) {
      const { Chat } = require('WAWebCollections');
      return Chat.get(msg.id.remote) || Chat.add({ id: msg.id.remote, t: msg.t });
    }

    // Adds (or merges) a message into Msg and its chat; `isNewMsg` fires the live path.
    function addMessage(view, isNewMsg) {
      const existing = msgs.get(keyString(view.id));
      if (existing) {
        existing.set(view);
        return existing;
      }
      const msg = new Msg({ ...view, isNewMsg });
      chatOf(msg).msgs.add(msg);
      msgs.add(msg);
      return msg;
    }

    function keyString(key) {
      const base = `${key.fromMe}_${key.remote}_${key.id}`;
      return key.participant ? `${base}_${key.participant}` : base;
    }

    function addHistory(views) {
      return views.map((view) => addMessage(view, false));
    }

    async function deliverOffline(views) {
      if (!views.length) return;
      const { Socket } = require('WAWebSocketModel');
      const { Cmd } = require('WAWebCmd');
      const { OfflineMessageHandler } = require('WAWebOfflineHandler');
      const started = Date.now();
      while (!Socket.hasSynced || (msgs.listenerCount('add') === 0 && Date.now() - started < OFFLINE_LISTENER_WAIT_MS)) {
        await new Promise((r) => setTimeout(r, 100));
      }
      OfflineMessageHandler._setProgress(0);
      Cmd.trigger('offline_progress_update_from_bridge');
      views.forEach((view) => addMessage(view, true));
      OfflineMessageHandler._setProgress(100);
      Cmd.trigger('offline_progress_update_from_bridge');
    }

    server.onSync(40, (snapshot) => {
      addHistory(snapshot.messages);
      deliverOffline(snapshot.offline).catch((e) => console.error('wa-sim: offline delivery', e));
    });
    server.on('msg', (view) => addMessage(view, true));
    server.on('ack', ({ id, ack }) => {
      const msg = msgs.get(id);
      if (msg && ack > msg.ack) msg.set('ack', ack);
    });
    server.on('edit', (data) => {
      const msg = msgs.get(data.id);
      if (!msg) return;
      msg.set({ latestEditMsgKey: data.latestEditMsgKey, latestEditSenderTimestampMs: data.latestEditSenderTimestampMs });
      const field = data.caption !== undefined ? 'caption' : 'body';
      msg.set(field, data[field]);
    });
    server.on('revoke', (data) => {
      const msg = msgs.get(data.id);
      if (msg) revokeLocally(msg, data.protocolMessageKey);
    });
    server.on('deleteForMe', ({ ids }) => ids.forEach((id) => removeLocally(msgs.get(id))));
    server.on('star', ({ ids, star }) => ids.forEach((id) => msgs.get(id) && msgs.get(id).set('star', star)));

    function revokeLocally(msg, protocolMessageKey) {
      if (protocolMessageKey) msg.set('protocolMessageKey', protocolMessageKey);
      msg.set({ type: 'revoked', body: '', caption: undefined });
    }

    function removeLocally(msg) {
      if (!msg) return;
      const chat = msg.chat;
      if (chat) chat.msgs.remove(msg);
      msgs.remove(msg);
    }

    require('WAWebCollections').Msg = msgs;
    return { MsgCollection: msgs, MsgCollectionClass: MsgCollection, _addHistory: addHistory, _revokeLocally: revokeLocally, _removeLocally: removeLocally };
  });

  __d('WAWebSendMsgChatAction', (require) => {
    const { Msg } = require('WAWebMsgModel');
    // What travels to the server: plain data (Wids become strings, blobs stay here).
    const wire = (msg) => {
      const data = JSON.parse(JSON.stringify(msg.serialize()));
      delete data.mediaStage;
      return data;
    };

    // Adds the message locally (Msg 'add' -> message_create) and sends it; returns
    // [promise of the model, promise of the send result] like WhatsApp Web.
    function addAndSendMsgToChat(chat, attrs) {
      const msgs = require('WAWebCollections').Msg;
      const msg = attrs instanceof Msg ? attrs : new Msg(attrs);
      // Media was uploaded before the send; it counts as uploaded once the server has it.
      if (msg.directPath) msg.set('isUnsentMedia', true, { silent: true });
      chat.msgs.add(msg);
      msgs.add(msg);
      chat.set('t', msg.t);
      const sent = require('WASimServer')
        .request('sendMsg', { msg: wire(msg) })
        .then((result) => {
          if (msg.ack < 1) msg.set('ack', 1);
          if (msg.isUnsentMedia) msg.set('isUnsentMedia', false);
          return { messageSendResult: 'OK', t: result.t };
        })
        .catch((e) => {
          msg.set('ack', -1);
          return { messageSendResult: 'ERROR_UNKNOWN', error: e.message };
        });
      return [Promise.resolve(msg), sent];
    }

    return { addAndSendMsgToChat };
  });

  __d('WAWebGetEphemeralFieldsMsgActionsUtils', () => ({
    getEphemeralFields: () => ({}),
  }));

  __d('WAWebMsgReply', () => ({
    canReplyMsg: (msg) => !!msg && msg.canReply(),
  }));

  __d('WAWebQuotedMsgModelUtils', (require) => ({
    // The quoted message as a model: the loaded one, or one built from the quote.
    getQuotedMsgObj: (msg) => {
      if (!msg || !msg.quotedStanzaID) return undefined;
      const { Msg } = require('WAWebMsgModel');
      const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
      const remote = msg.quotedRemoteJid || msg.id.remote;
      const participant = msg.quotedParticipant;
      const fromMe = !!participant && !!me && participant.user === me.user;
      const key = { fromMe, remote, id: msg.quotedStanzaID, participant: remote.isGroup() ? participant : undefined };
      const found = require('WAWebCollections').Msg.get(require('WASimCore').MsgKey.keyToString(key));
      if (found) return found;
      return new Msg({ ...(msg.quotedMsg || {}), id: key, from: fromMe ? me : participant || remote, to: fromMe ? remote : me, t: msg.t });
    },
  }));

  __d('WAWebMsgActionCapability', (require) => {
    const meIsAdmin = (msg) => {
      const group = msg.id.remote.isGroup() && require('WAWebCollections').GroupMetadata.get(msg.id.remote);
      const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
      return !!group && !!me && group.participants.some((p) => p.id.user === me.user && p.isAdmin);
    };
    return {
      canSenderRevokeMsg: (msg) => msg.id.fromMe && msg.type !== 'revoked',
      canAdminRevokeMsg: (msg) => !msg.id.fromMe && msg.type !== 'revoked' && meIsAdmin(msg),
      canStarMsg: (msg) => msg.type !== 'revoked' && msg.type !== 'gp2',
      canEditText: (msg) => msg.id.fromMe && msg.type === 'chat',
      canEditCaption: (msg) => msg.id.fromMe && msg.isMedia && msg.caption !== undefined,
    };
  });

  __d('WALinkify', () => {
    const LINK = /\b((?:https?:\/\/|www\.)[^\s<>"']+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|app|br|de|uk|me|info)(?:\/[^\s<>"']*)?)/gi;
    function findLinks(text) {
      if (typeof text !== 'string') return [];
      return [...text.matchAll(LINK)].map((m) => {
        const href = /^https?:\/\//i.test(m[0]) ? m[0] : 'http://' + m[0];
        return { url: m[0], href, domain: new URL(href).hostname, index: m.index, suspiciousCharacters: undefined };
      });
    }
    return { findLinks, findLink: (text) => findLinks(text)[0] || null };
  });

  __d('WAWebLinkPreviewChatAction', () => ({
    // No internet in the simulator: links get no preview data.
    getLinkPreview: async () => ({ data: {} }),
  }));

  __d('WAWebChatForwardMessage', (require) => {
    const FORWARD_KEYS = ['type', 'body', 'caption', 'mimetype', 'filename', 'size', 'directPath', 'mediaKey', 'mediaKeyTimestamp', 'filehash', 'encFilehash', 'lat', 'lng', 'loc', 'vcardFormattedName', 'vcardList', 'isGif', 'width', 'height', 'duration'];
    return {
      forwardMessages: async ({ chat, msgs, includeCaption }) => {
        const { MsgKey } = require('WASimCore');
        const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
        const results = [];
        for (const original of msgs) {
          const attrs = {};
          for (const key of FORWARD_KEYS) if (original[key] !== undefined) attrs[key] = original[key];
          if (!includeCaption) delete attrs.caption;
          const id = new MsgKey({ from: me, to: chat.id, id: await MsgKey.newId(), participant: chat.id.isGroup() ? me : undefined, selfDir: 'out' });
          const [msgPromise, sent] = require('WAWebSendMsgChatAction').addAndSendMsgToChat(chat, {
            ...attrs, id, from: me, to: chat.id, t: Math.floor(Date.now() / 1000), ack: 0, local: true, self: 'out', isNewMsg: true,
            isForwarded: true, forwardingScore: (original.forwardingScore || 0) + 1,
          });
          await msgPromise;
          results.push(await sent);
        }
        return results;
      },
    };
  });

  __d('WAWebSendMessageEditAction', (require) => ({
    sendMessageEdit: async (msg, content) => {
      const body = typeof content === 'string' ? content : String(content && content.body ? content.body : '');
      await require('WASimServer').request('edit', { id: msg.id._serialized, body });
      const { MsgKey } = require('WASimCore');
      msg.set({ latestEditMsgKey: new MsgKey({ ...msg.id, id: MsgKey.newIdSync() }), latestEditSenderTimestampMs: Date.now() });
      msg.set(msg.isMedia ? 'caption' : 'body', body);
      return { messageSendResult: 'OK' };
    },
  }));

  // ---- Reactions: WhatsApp keeps them in a reaction table (rows per sender); the
  // Reactions collection aggregates them per message and emoji.
  __d('WAWebAddonReactionTableMode', (require) => {
    const rowsByParent = new Map();
    const { MsgKey, toWid } = require('WASimCore');

    function normalizeRow(row) {
      return {
        ...row,
        id: MsgKey.from(row.id),
        reactionParentKey: MsgKey.from(row.reactionParentKey),
        from: row.from ? toWid(row.from) : undefined,
        author: row.author ? toWid(row.author) : undefined,
      };
    }

    return {
      reactionTableMode: {
        bulkUpsert: async (rows) => {
          for (const row of rows) {
            const parent = row.reactionParentKey._serialized || MsgKey.keyToString(row.reactionParentKey);
            const sender = (row.author || row.from)._serialized;
            const perSender = rowsByParent.get(parent) || new Map();
            if (row.reactionText) perSender.set(sender, row);
            else perSender.delete(sender);
            rowsByParent.set(parent, perSender);
            const msg = require('WAWebCollections').Msg.get(parent);
            if (msg) msg.set('hasReaction', perSender.size > 0);
          }
          return rows;
        },
        _rowsOf: (parentId) => [...(rowsByParent.get(parentId) || new Map()).values()],
      },
      _normalizeRow: normalizeRow,
    };
  });

  __d('WAWebReactionsCollection', (require) => {
    const { Model, Collection, idOf } = require('WASimCore');

    class ReactionsCollection extends Collection {
      // The reactions of one message, grouped by emoji, each with its senders; always
      // rebuilt from the reaction table so it is current.
      async find(id) {
        const parentId = idOf(id);
        const rows = require('WAWebAddonReactionTableMode').reactionTableMode._rowsOf(parentId);
        const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
        const byEmoji = new Map();
        for (const row of rows) {
          const list = byEmoji.get(row.reactionText) || [];
          list.push(row);
          byEmoji.set(row.reactionText, list);
        }
        const aggregates = [...byEmoji.entries()].map(([emoji, senders]) => ({
          id: emoji,
          aggregateEmoji: emoji,
          hasReactionByMe: senders.some((s) => !!me && (s.author || s.from).user === me.user),
          senders: senders.map((s) => ({
            id: s.id,
            msgKey: s.id,
            parentMsgKey: s.reactionParentKey,
            reactionText: s.reactionText,
            timestamp: s.reactionTimestamp,
            senderUserJid: (s.author || s.from)._serialized,
            orphan: s.orphan || 0,
            orphanReason: s.orphanReason || null,
            read: !!s.read,
            ack: s.ack,
          })),
        }));
        return new Model({ id: parentId, reactions: new Collection(aggregates) });
      }
    }

    const reactions = new ReactionsCollection();
    const server = require('WASimServer');
    const table = () => require('WAWebAddonReactionTableMode');
    // Through the module property, so hooks installed on bulkUpsert see every row.
    const upsert = (rows) => table().reactionTableMode.bulkUpsert(rows.map(table()._normalizeRow));
    server.onSync(50, (snapshot) => upsert(snapshot.reactions));
    server.on('reaction', (row) => upsert([row]));
    require('WAWebCollections').Reactions = reactions;
    return { ReactionsCollection: reactions };
  });

  __d('WAWebSendReactionMsgAction', (require) => ({
    sendReactionToMsg: async (msg, reactionText) => {
      const { MsgKey } = require('WASimCore');
      const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
      const reactionId = MsgKey.newIdSync();
      await require('WASimServer').request('react', { parent: msg.id._serialized, reaction: reactionText || '', reactionId });
      const isGroup = msg.id.remote.isGroup();
      const row = {
        id: { fromMe: true, remote: msg.id.remote, id: reactionId, participant: isGroup ? me : undefined },
        reactionParentKey: msg.id,
        reactionText: reactionText || '',
        reactionTimestamp: Date.now(),
        orphan: 0,
        read: true,
        ack: 1,
        from: me,
        author: isGroup ? me : undefined,
      };
      const table = require('WAWebAddonReactionTableMode');
      await table.reactionTableMode.bulkUpsert([table._normalizeRow(row)]);
      return { messageSendResult: 'OK' };
    },
  }));

  __d('WAWebApiMessageInfoStore', (require) => ({
    // Delivery/read receipts per recipient, as far as the local acks tell.
    queryMsgInfo: async (msgKey) => {
      const msg = require('WAWebCollections').Msg.get(msgKey);
      if (!msg) return undefined;
      const recipient = { id: msg.to, t: msg.t };
      return {
        id: msg.id,
        delivery: msg.ack >= 2 ? [recipient] : [],
        deliveryRemaining: msg.ack >= 2 ? 0 : 1,
        read: msg.ack >= 3 ? [recipient] : [],
        readRemaining: msg.ack >= 3 ? 0 : 1,
        played: msg.ack >= 4 ? [recipient] : [],
        playedRemaining: msg.ack >= 4 ? 0 : 1,
      };
    },
  }));

  // Message commands on the app-wide Cmd bus: revoke (for everyone), delete (for me), star.
  __d('WASimMessageCommands', (require) => {
    const { Cmd } = require('WAWebCmd');
    const server = require('WASimServer');
    const listOf = (arg) => (Array.isArray(arg) ? arg : (arg && arg.list) || []);
    const local = () => require('WAWebMsgCollection');
    Object.assign(Cmd, {
      sendRevokeMsgs: async (chat, msgs) => {
        const list = listOf(msgs);
        await server.request('revoke', { ids: list.map((m) => m.id._serialized) });
        list.forEach((m) => local()._revokeLocally(m));
        return true;
      },
      sendDeleteMsgs: async (chat, msgs) => {
        const list = listOf(msgs);
        await server.request('deleteForMe', { ids: list.map((m) => m.id._serialized) });
        list.forEach((m) => local()._removeLocally(m));
        return true;
      },
      sendStarMsgs: async (chat, msgs) => {
        const list = listOf(msgs);
        await server.request('star', { ids: list.map((m) => m.id._serialized), star: true });
        list.forEach((m) => m.set('star', true));
        return true;
      },
      sendUnstarMsgs: async (chat, msgs) => {
        const list = listOf(msgs);
        await server.request('star', { ids: list.map((m) => m.id._serialized), star: false });
        list.forEach((m) => m.set('star', false));
        return true;
      },
    });
    return {};
  });
})();
