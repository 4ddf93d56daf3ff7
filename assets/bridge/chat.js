// wa-gateway bridge, chat module: one chat's messages, state, labels and contact, the way
// whatsapp-web.js 1.34.7 Chat does it (fetchMessages as wwebjs-api patches it).
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);
  const Collections = () => mod('WAWebCollections');
  const M = () => wagw.models;

  /** The chat model, or 404 'Chat not Found' as wwebjs-api answers after getChatById. */
  async function findChat(chatId) {
    const chat = await M().findChat(chatId);
    if (!chat) throw wagw.fail(404, 'Chat not Found');
    return chat;
  }

  /** WWebJS.sendChatstate: typing, recording or stop. */
  async function sendChatState(chatId, state) {
    const chat = await findChat(chatId);
    const bridge = mod('WAWebChatStateBridge');
    const send = {
      typing: bridge.sendChatStateComposing,
      recording: bridge.sendChatStateRecording,
      stop: bridge.sendChatStatePaused,
    }[state];
    await send(chat.id);
    return true;
  }

  /** WWebJS.getLabel per id of the chat's labels. */
  function chatLabels(chat) {
    const labels = Collections().Label;
    return (chat.labels || [])
      .map((id) => labels && labels.get(id))
      .filter(Boolean)
      .map((label) => M().label(label));
  }

  wagw.register('chat.find', async ({ chatId }) => {
    await findChat(chatId);
    return true;
  });

  wagw.register('chat.getClassInfo', async ({ chatId }) => M().chat(await findChat(chatId)));

  wagw.register('chat.clearMessages', async ({ chatId }) => {
    await mod('WAWebChatClearBridge').sendClear(await findChat(chatId), false);
    return true;
  });

  wagw.register('chat.delete', async ({ chatId }) => {
    await mod('WAWebDeleteChatAction').sendDelete(await findChat(chatId));
    return true;
  });

  wagw.register('chat.sendStateTyping', ({ chatId }) => sendChatState(chatId, 'typing'));
  wagw.register('chat.sendStateRecording', ({ chatId }) => sendChatState(chatId, 'recording'));
  wagw.register('chat.clearState', ({ chatId }) => sendChatState(chatId, 'stop'));

  // WWebJS.sendSeen: seen is only sent while the presence stream is available.
  wagw.register('chat.sendSeen', async ({ chatId }) => {
    const chat = await findChat(chatId);
    const { Stream } = mod('WAWebStreamModel');
    Stream.markAvailable();
    await mod('WAWebUpdateUnreadChatAction').sendSeen({ chat, threadId: undefined });
    Stream.markUnavailable();
    return true;
  });

  // Client.markChatUnread answers nothing.
  wagw.register('chat.markUnread', async ({ chatId }) => {
    await mod('WAWebCmd').Cmd.markChatUnread(await findChat(chatId), true);
  });

  // Client.syncHistory: only a chat whose history the phone still holds can be asked for more.
  wagw.register('chat.syncHistory', async ({ chatId }) => {
    const chat = await findChat(chatId);
    if (chat.endOfHistoryTransferType !== 0) return false;
    await mod('WAWebSendNonMessageDataRequest').sendPeerDataOperationRequest(3, { chatId: chat.id });
    return true;
  });

  // wwebjs-api's patched Chat.fetchMessages; empty options mean "only what is loaded".
  wagw.register('chat.fetchMessages', async ({ chatId, searchOptions }) => {
    const chat = await findChat(chatId);
    const options = searchOptions && typeof searchOptions === 'object' && Object.keys(searchOptions).length ? searchOptions : undefined;
    const keep = (m) => {
      if (m.isNotification) return false;
      if (!options) return true;
      if (options.fromMe !== undefined && m.id.fromMe !== options.fromMe) return false;
      if (options.since !== undefined && Number.isFinite(options.since) && m.t < options.since) return false;
      if (options.messageId !== undefined && m.id.id !== options.messageId) return false;
      return true;
    };
    let msgs = chat.msgs.getModelsArray().filter(keep);
    if (options && options.limit > 0) {
      while (msgs.length < options.limit) {
        const loaded = await mod('WAWebChatLoadMessages').loadEarlierMsgs({ chat });
        if (!loaded || !loaded.length) break;
        msgs = [...loaded.filter(keep), ...msgs];
      }
      if (msgs.length > options.limit) {
        // A consistent comparator (wwebjs-api's never answers 0) keeps same-second messages in order.
        msgs.sort((a, b) => a.t - b.t);
        msgs = msgs.splice(msgs.length - options.limit);
      }
    }
    return msgs.map((m) => M().message(m));
  });

  // Chat.getContact: Client.getContactById of the chat id.
  wagw.register('chat.getContact', async ({ chatId }) => {
    const chat = await findChat(chatId);
    const contact = await Collections().Contact.find(chat.id);
    if (contact.isBusiness || contact.isEnterprise) {
      await Collections().BusinessProfile.find(contact.id).catch(() => {});
    }
    return M().contact(contact);
  });

  wagw.register('chat.getLabels', async ({ chatId }) => chatLabels(await findChat(chatId)));

  // Client.addOrRemoveLabels for this chat: the listed labels are added, its others removed.
  wagw.register('chat.changeLabels', async ({ chatId, labelIds }) => {
    const chat = await findChat(chatId);
    if (!Array.isArray(labelIds)) throw wagw.fail(400, 'labelIds must be an array of label ids');
    if (!['smba', 'smbi'].includes(mod('WAWebConnModel').Conn.platform)) {
      throw wagw.fail(500, '[LT01] Only Whatsapp business');
    }
    const Label = Collections().Label;
    const actions = Label.getModelsArray()
      .filter((label) => labelIds.some((id) => id == label.id)) // eslint-disable-line eqeqeq
      .map((label) => ({ id: label.id, type: 'add' }));
    for (const id of chat.labels || []) {
      if (!actions.some((action) => action.id == id)) actions.push({ id, type: 'remove' }); // eslint-disable-line eqeqeq
    }
    await Label.addOrRemoveLabels(actions, [chat]);
  });
})();
