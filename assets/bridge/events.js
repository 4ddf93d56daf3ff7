// wa-gateway bridge, events: the WhatsApp Web collection events whatsapp-web.js listens to
// (Client.attachEventListeners), raised as wwebjs-api callbacks with their `data` objects.
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);
  const M = () => wagw.models;

  const GROUP_EVENTS = {
    add: 'group_join',
    invite: 'group_join',
    linked_group_join: 'group_join',
    remove: 'group_leave',
    leave: 'group_leave',
    promote: 'group_admin_changed',
    demote: 'group_admin_changed',
    membership_approval_request: 'group_membership_request',
  };

  /** Runs a listener so that one bad event never breaks the others. */
  const guarded = (fn) => (...args) => {
    Promise.resolve()
      .then(() => fn(...args))
      .catch((err) => wagw.emit('__log', `event listener failed: ${(err && err.stack) || err}`));
  };

  function onNewMessage(msg) {
    if (msg.type === 'gp2') {
      const notification = M().groupNotification(msg);
      wagw.emit(GROUP_EVENTS[msg.subtype] || 'group_update', { notification });
      return;
    }
    const message = M().message(msg);
    wagw.emit('message_create', { message });
    if (!msg.id.fromMe) wagw.emit('message', { message });
  }

  /** A value as a page.evaluate result carries it: CDP returnByValue copies own enumerable
   * properties and ignores toJSON, so Wids stay {server, user, _serialized}. */
  function asEvaluated(value) {
    if (Array.isArray(value)) return value.map(asEvaluated);
    if (value === null || typeof value !== 'object') return value;
    const copy = {};
    for (const [key, inner] of Object.entries(value)) copy[key] = asEvaluated(inner);
    return copy;
  }

  // whatsapp-web.js re-fetches the chat of chat_removed, chat_archived and unread_count with
  // getChatById (a page.evaluate), so these chats have the shape of a call's answer. Its lookup
  // (findOrCreateLatestChat) brings a removed chat back, empty: so does ours, for the same state.
  async function chatPayload(chat) {
    const fetched = await M().findChat(M().serialized(chat.id));
    return asEvaluated(await M().chat(fetched || chat));
  }

  function attachMessageListeners(Msg) {
    Msg.on('add', guarded((msg) => {
      if (!msg.isNewMsg) return;
      if (msg.type === 'ciphertext') {
        wagw.emit('message_ciphertext', { message: M().message(msg) });
        // The real content arrives as a type change once decrypted.
        msg.once('change:type', guarded((decrypted) => {
          if (decrypted.type !== 'revoked') onNewMessage(decrypted);
        }));
        return;
      }
      onNewMessage(msg);
    }));

    // Remembered so a revoke can report what was there before.
    let lastMessage = null;
    Msg.on('change', guarded((msg) => {
      if (msg.type !== 'revoked') lastMessage = M().message(msg);
      const isGroupNumberChange = msg.type === 'gp2' && msg.subtype === 'modify';
      const isContactNumberChange = msg.type === 'notification_template' && msg.subtype === 'change_number';
      if (isGroupNumberChange || isContactNumberChange) {
        const message = M().message(msg);
        const newId = isGroupNumberChange ? msg.recipients && M().serialized(msg.recipients[0]) : M().serialized(msg.to);
        // whatsapp-web.js compares them after JSON, where Wids are strings.
        const oldId = isGroupNumberChange
          ? M().serialized(msg.author)
          : (msg.templateParams || []).map((id) => M().serialized(id)).find((id) => id !== newId);
        wagw.emit('contact_changed', { message, oldId, newId, isContact: isContactNumberChange });
      }
    }));
    Msg.on('change:type', guarded((msg) => {
      if (msg.type !== 'revoked') return;
      const message = M().message(msg);
      wagw.emit('message_revoke_everyone', { message });
    }));
    Msg.on('change:ack', guarded((msg, ack) => {
      wagw.emit('message_ack', { message: M().message(msg), ack });
    }));
    Msg.on('change:isUnsentMedia', guarded((msg, unsent) => {
      if (msg.id.fromMe && !unsent) wagw.emit('media_uploaded', { message: M().message(msg) });
    }));
    Msg.on('remove', guarded((msg) => {
      if (msg.isNewMsg) wagw.emit('message_revoke_me', { message: M().message(msg) });
    }));
    Msg.on('change:body change:caption', guarded((msg, newBody, prevBody) => {
      if (msg.type === 'revoked') return;
      wagw.emit('message_edit', { message: M().message(msg), newBody, prevBody });
    }));
  }

  function attachChatListeners(Chat) {
    Chat.on('remove', guarded(async (chat) => {
      wagw.emit('chat_removed', { chat: await chatPayload(chat) });
    }));
    Chat.on('change:archive', guarded(async (chat, currState, prevState) => {
      wagw.emit('chat_archived', { chat: await chatPayload(chat), currState, prevState });
    }));
    Chat.on('change:unreadCount', guarded(async (chat) => {
      wagw.emit('unread_count', { chat: await chatPayload(chat) });
    }));
  }

  /** Incoming calls land in a Map inside WAWebCallCollection; its `set` is where they show. */
  function attachCallListener() {
    const calls = mod('WAWebCallCollection');
    if (!calls || typeof calls.on !== 'function') return;
    const map = Object.values(calls).find((value) => value instanceof Map);
    if (!map) return;
    const set = map.set;
    map.set = function (key, call) {
      const result = set.call(this, key, call);
      try {
        if (call && !call.outgoing) {
          wagw.emit('call', {
            call: {
              id: call.id,
              from: M().serialized(call.peerJid),
              isVideo: call.isVideo,
              isGroup: call.isGroup,
              fromMe: call.outgoing,
              canHandleLocally: call.canHandleLocally,
              webClientShouldHandle: call.webClientShouldHandle,
              participants: call.participants,
            },
          });
        }
      } catch (err) {
        wagw.emit('__log', `call event failed: ${err}`);
      }
      return result;
    };
  }

  /** Reactions and poll votes are written through table modes; wrap their bulkUpsert. */
  function wrapBulkUpsert(moduleName, tableKey, onRows) {
    const module = mod(moduleName);
    const table = module && module[tableKey];
    if (!table || typeof table.bulkUpsert !== 'function') return;
    const original = table.bulkUpsert;
    table.bulkUpsert = function (rows, ...rest) {
      try {
        onRows(rows || []);
      } catch (err) {
        wagw.emit('__log', `${moduleName} hook failed: ${err}`);
      }
      return original.call(this, rows, ...rest);
    };
  }

  function attachReactionAndVoteHooks() {
    wrapBulkUpsert('WAWebAddonReactionTableMode', 'reactionTableMode', (rows) => {
      for (const row of rows) {
        const sender = row.author || row.from;
        wagw.emit('message_reaction', {
          reaction: M().reaction(Object.assign({}, row, {
            msgKey: row.id,
            parentMsgKey: row.reactionParentKey,
            senderUserJid: M().serialized(sender),
            timestamp: row.reactionTimestamp / 1000,
          })),
        });
      }
    });
    wrapBulkUpsert('WAWebAddonPollVoteTableMode', 'pollVoteTableMode', (rows) => {
      for (const row of rows) {
        Promise.resolve(M().findMessage(M().serialized(row.pollUpdateParentKey))).then((parent) => {
          const sender = row.author || row.from || row.sender;
          const options = parent && parent.pollOptions ? parent.pollOptions : [];
          const selected = (row.selectedOptionLocalIds || []).map((localId) => {
            const option = options.find((o) => o.localId === localId);
            return { name: option ? option.name : undefined, localId };
          });
          wagw.emit('vote_update', {
            vote: {
              voter: M().serialized(sender),
              selectedOptions: selected,
              interractedAtTs: row.senderTimestampMs,
              // The library's Message of the poll's model JSON (no getMessageModel extras).
              parentMessage: parent ? M().messageFromRaw(JSON.parse(JSON.stringify(parent))) : {},
              parentMsgKey: row.pollUpdateParentKey,
            },
          });
        });
      }
    });
  }

  // The crash window (wa-gateway's outbox): incoming messages of the loaded chats from `since`
  // (unix seconds) on, oldest first, as the `message` event would have carried them. The
  // gateway raises those its store does not hold: received by the page while the daemon died.
  wagw.register('events.incomingSince', ({ since }) => {
    const from = Number(since);
    if (!Number.isFinite(from)) throw wagw.fail(400, 'since: unix seconds');
    const found = [];
    for (const chat of mod('WAWebCollections').Chat.getModelsArray()) {
      for (const msg of chat.msgs.getModelsArray()) {
        if (msg.id.fromMe || msg.isNotification || msg.t < from) continue;
        if (msg.type === 'gp2' || msg.type === 'ciphertext' || msg.type === 'revoked') continue;
        found.push(msg);
      }
    }
    found.sort((a, b) => a.t - b.t);
    return found.map((msg) => M().message(msg));
  });

  wagw.attachEventListeners = () => {
    const Collections = mod('WAWebCollections');
    attachMessageListeners(Collections.Msg);
    attachChatListeners(Collections.Chat);
    attachCallListener();
    attachReactionAndVoteHooks();
    wagw.emit('__log', `event listeners attached (Msg add listeners: ${Collections.Msg.listenerCount ? Collections.Msg.listenerCount('add') : '?'})`);
  };
})();
